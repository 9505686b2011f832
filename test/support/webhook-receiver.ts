/**
 * A webhook receiver over real HTTP on 127.0.0.1 that checks every delivery with the official
 * `standardwebhooks` package (written by others, so our signing is proven against an independent
 * reading of the specification). A delivery that verifies is recorded and answered 204; one that
 * does not is recorded as rejected and answered 401. It can be taken down for a while: `refuse`
 * closes the port (connections are refused), `unavailable` answers 503 to everything.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedDelivery {
  readonly id: string;
  readonly timestampSeconds: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly path: string;
}

export interface RejectedDelivery {
  readonly reason: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type ReceiverOutage = 'refuse' | 'unavailable';

export interface WebhookReceiver {
  /** The receiver's address, e.g. http://127.0.0.1:40123/hooks. */
  readonly url: string;
  readonly deliveries: readonly ReceivedDelivery[];
  readonly rejected: readonly RejectedDelivery[];
  /** Every request that reached the receiver while it was up or answering 503. */
  readonly attempts: number;
  /** Stops taking deliveries until `comeBack()`, or for `forMs` when given. */
  goDown(outage: ReceiverOutage, forMs?: number): Promise<void>;
  /** Takes deliveries at another path too, checked with that path's own secret (one receiver for many endpoints); returns its URL. */
  route(path: string, secret: string): string;
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { readonly secret: string; readonly path?: string }): Promise<WebhookReceiver> {
  const path = options.path ?? '/hooks';
  const verifiers = new Map<string, Webhook>([[path, new Webhook(options.secret)]]);
  const deliveries: ReceivedDelivery[] = [];
  const rejected: RejectedDelivery[] = [];
  const sockets = new Set<Socket>();
  let attempts = 0;
  let outage: ReceiverOutage | null = null;
  let outageTimer: NodeJS.Timeout | null = null;
  let listening = false;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      attempts += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      if (outage === 'unavailable') return void response.writeHead(503, { 'retry-after': '1' }).end();
      const verifier = verifiers.get(request.url ?? '');
      if (request.method !== 'POST' || !verifier) return void response.writeHead(404).end();
      try {
        verifier.verify(body, request.headers as Record<string, string>, { jsonParse: false });
      } catch (failure) {
        rejected.push({ reason: failure instanceof Error ? failure.message : String(failure), headers: request.headers, body });
        return void response.writeHead(401).end();
      }
      deliveries.push({
        id: String(request.headers['webhook-id']),
        timestampSeconds: Number(request.headers['webhook-timestamp']),
        headers: request.headers,
        body,
        path: request.url!,
      });
      response.writeHead(204).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await listen(0);
  const { port } = server.address() as AddressInfo;

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    listening = false;
    return new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  }

  async function comeBack(): Promise<void> {
    if (outageTimer) clearTimeout(outageTimer);
    outageTimer = null;
    outage = null;
    // The same port again, so that the URL the sender holds works once more.
    if (!listening) await listen(port);
  }

  return {
    url: `http://127.0.0.1:${port}${path}`,
    deliveries,
    rejected,
    get attempts() {
      return attempts;
    },
    route(routePath, secret) {
      verifiers.set(routePath, new Webhook(secret));
      return `http://127.0.0.1:${port}${routePath}`;
    },
    async goDown(kind, forMs) {
      if (outageTimer) clearTimeout(outageTimer);
      outageTimer = null;
      if (kind === 'refuse' && listening) await stopListening();
      if (kind === 'unavailable' && !listening) await listen(port);
      outage = kind;
      if (forMs !== undefined) outageTimer = setTimeout(() => void comeBack(), forMs);
    },
    comeBack,
    async close() {
      if (outageTimer) clearTimeout(outageTimer);
      if (listening) await stopListening();
    },
  };
}
