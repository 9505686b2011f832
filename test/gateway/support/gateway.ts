import type { GatewayConfig } from '../../../src/core/gateway-config.js';
import type { HttpConfig } from '../../../src/core/config.js';
import { startServer, type TestServer } from '../../http/support/server.js';
import { startUpstream, type Upstream } from '../../support/upstream.js';

export const GATEWAY_SECRET = 'gateway-test-secret-0123456789-abcdefghijkl';

export interface TestGateway {
  readonly upstream: Upstream;
  readonly server: TestServer;
  /** The gateway's address on a real port. */
  readonly base: string;
  /** An organization with a namespace key, its minute rate out of the way. */
  readonly tenant: Awaited<ReturnType<TestServer['tenant']>>;
  close(): Promise<void>;
}

/** A real upstream, and Tollgate in gateway mode in front of it, listening on a real port. */
export async function startGateway(options: { gateway?: Partial<GatewayConfig>; http?: Partial<HttpConfig> } = {}): Promise<TestGateway> {
  const upstream = await startUpstream();
  const server = await startServer({ gateway: { upstream: upstream.url, signingSecrets: [GATEWAY_SECRET], ...options.gateway }, ...(options.http ? { http: options.http } : {}) });
  const tenant = await server.tenant({ rate_limits: { rate_limit_per_minute: 100_000 } });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    upstream,
    server,
    base: `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`,
    tenant,
    async close() {
      await server.close();
      await upstream.close();
    },
  };
}
