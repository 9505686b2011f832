import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import type { HttpConfig } from '../core/config.js';
import { answerClientError } from './plugins/errors.js';

/**
 * The Fastify options that bound how long a client may hold a connection (HttpConfig), and how
 * what Node raises on the socket is answered.
 *
 * headersTimeout is not a Fastify option: it goes to Node's createServer through `http`, with
 * requestTimeout beside it because Node checks headersTimeout <= requestTimeout there. Node enforces
 * both only when it sweeps its open connections, every connectionsCheckingInterval (30 s by
 * default), so a stalled request could outlive its bound by up to 30 s: the sweep runs at a tenth
 * of the shorter bound, at most once a second (1 s with the defaults: one walk over the open
 * connections per second).
 */
export function httpServerOptions(http: HttpConfig) {
  const sweepMs = Math.min(1000, Math.max(10, Math.floor(Math.min(http.headersTimeoutMs, http.requestTimeoutMs) / 10)));
  return {
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.connectionTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: { requestTimeout: http.requestTimeoutMs, headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: sweepMs },
    clientErrorHandler: answerClientError,
  } satisfies FastifyHttpOptions<Server>;
}
