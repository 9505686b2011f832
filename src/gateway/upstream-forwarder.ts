import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { TollgateError } from '../core/errors.js';
import type { GatewayConfig } from '../core/gateway-config.js';
import { IDENTITY_HEADER_PREFIX, signIdentity, type UpstreamIdentity } from './identity-signature.js';

/** What one call sends upstream: the caller's method, path and headers, its body, and who it is. */
export interface ForwardRequest {
  readonly method: string;
  /** Path and query as the caller sent them (`/v1/memory/m1?x=1`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** A stream (passed through, counted) or a buffer (a body the price was read from); null: none. */
  readonly body: Readable | Buffer | null;
  readonly identity: UpstreamIdentity;
  /** The caller's address, appended to X-Forwarded-For. */
  readonly clientIp: string;
  /** Aborts the upstream call (the caller went away). */
  readonly signal?: AbortSignal;
}

export interface ForwardResponse {
  readonly statusCode: number;
  /** The upstream's headers less hop-by-hop ones: what the caller may see. */
  readonly headers: Record<string, string | string[]>;
  readonly body: Readable;
}

export interface UpstreamForwarder {
  /** Sends the call upstream; answers once its headers are in. Throws a TollgateError: 502, 504, 413. */
  forward(request: ForwardRequest): Promise<ForwardResponse>;
  close(): Promise<void>;
}

// RFC 9110 §7.6.1: meaningful for one connection only, never passed on.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);
// The caller's Tollgate credentials stay here: the upstream trusts the signed identity instead.
const CREDENTIALS = new Set(['x-api-key', 'authorization']);

/**
 * Forwards calls to the upstreams of the gateway config over keep-alive pools (undici), streaming
 * bodies both ways: an upload is counted while it passes (413 past maxUploadBytes) and never
 * buffered; a response body (an event stream, a download) is handed on as it arrives.
 */
export function createUpstreamForwarder(config: GatewayConfig, now: () => number = Date.now): UpstreamForwarder {
  const pools = new Map<string, Pool>();
  const poolOf = (origin: string) => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: config.connections, connect: { timeout: config.connectTimeoutMs }, headersTimeout: config.headersTimeoutMs, bodyTimeout: config.bodyTimeoutMs });
      pools.set(origin, pool);
    }
    return pool;
  };
  const targetOf = (url: string): URL => {
    const path = url.split('?', 1)[0]!;
    const base = config.upstreams.find((u) => path === u.prefix || path.startsWith(u.prefix.endsWith('/') ? u.prefix : `${u.prefix}/`))?.url ?? config.upstream;
    if (base === null) throw new TollgateError('UNKNOWN_OPERATION', { message: `No upstream is configured for ${path}.` });
    return new URL(base);
  };

  return {
    async forward(request) {
      const target = targetOf(request.url);
      // An upstream given with a path (https://host/api) gets the call's path under it.
      const path = `${target.pathname.replace(/\/$/, '')}${request.url}`;
      const headers = forwardedHeaders(request.headers, request.clientIp);
      Object.assign(headers, signIdentity(config.signingSecrets, { method: request.method, path, timestampSec: Math.floor(now() / 1000), identity: request.identity }));
      let tooLarge = false;
      let body: Dispatcher.DispatchOptions['body'] = null;
      if (Buffer.isBuffer(request.body)) {
        body = request.body;
        headers['content-length'] = String(request.body.length);
      } else if (request.body) {
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > config.maxUploadBytes) throw uploadTooLarge(config.maxUploadBytes);
        body = request.body.pipe(countingLimit(config.maxUploadBytes, () => (tooLarge = true)));
      }
      try {
        const response = await poolOf(target.origin).request({ method: request.method as Dispatcher.HttpMethod, path, headers, body, ...(request.signal ? { signal: request.signal } : {}) });
        return { statusCode: response.statusCode, headers: responseHeaders(response.headers), body: response.body };
      } catch (error) {
        if (tooLarge) throw uploadTooLarge(config.maxUploadBytes);
        throw upstreamError(error);
      }
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

function forwardedHeaders(incoming: IncomingHttpHeaders, clientIp: string): Record<string, string | string[]> {
  const named = new Set(String(incoming.connection ?? '').toLowerCase().split(',').map((h) => h.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || name === 'host' || name === 'content-length' || HOP_BY_HOP.has(name) || named.has(name) || CREDENTIALS.has(name) || name.startsWith(IDENTITY_HEADER_PREFIX)) continue;
    out[name] = value;
  }
  if (incoming['content-length'] !== undefined) out['content-length'] = incoming['content-length'];
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${clientIp}` : clientIp;
  return out;
}

function responseHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(String(incoming.connection ?? '').toLowerCase().split(',').map((h) => h.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Passes bytes on, counting; past `max` it fails the stream (the upstream call aborts) and says so. */
function countingLimit(max: number, onExceeded: () => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) {
        onExceeded();
        done(uploadTooLarge(max));
        return;
      }
      done(null, chunk);
    },
  });
}

const uploadTooLarge = (max: number) => new TollgateError('CONTENT_TOO_LARGE', { message: `The request body is larger than the ${max} bytes the gateway forwards.`, details: { max_bytes: max } });

/** What an upstream failure before its headers answers: 504 for a timeout, 502 for anything else (refused, reset, unknown host). */
function upstreamError(error: unknown): TollgateError {
  if (error instanceof TollgateError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.ConnectTimeoutError || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TollgateError('UPSTREAM_TIMEOUT', { cause: error });
  }
  return new TollgateError('UPSTREAM_UNAVAILABLE', { message: `The upstream could not be reached or closed the connection (${code || (error as Error)?.name || 'error'}).`, cause: error });
}
