import { TollgateError } from '../../core/errors.js';

/** Socket errors from Node. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * What ioredis 6 says when it cannot send or hear back (its own messages), and the replies of a
 * server that cannot serve now: loading its data, a failover under way (READONLY, MASTERDOWN,
 * CLUSTERDOWN, TRYAGAIN), a script still running (BUSY), out of memory (OOM).
 */
const UNAVAILABLE_MESSAGE =
  /^(Connection is closed|Stream isn't writeable|Command timed out|Reached the max retries per request limit|None of startup nodes is available|Failed to refresh slots cache)|^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM)\b/;

export function isRedisUnavailable(error: unknown): boolean {
  if (error instanceof TollgateError) return error.code === 'STORE_UNAVAILABLE';
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || UNAVAILABLE_MESSAGE.test(message) || (error as Error | null)?.name === 'MaxRetriesPerRequestError';
}

/** Translates an ioredis failure at the store's boundary; the original stays as `cause`. */
export function translateRedisError(error: unknown): unknown {
  if (error instanceof TollgateError || !isRedisUnavailable(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TollgateError('STORE_UNAVAILABLE', {
    message: `The usage store (Redis) cannot be used: ${message}`,
    details: { store: 'redis' },
    cause: error,
  });
}

/** Runs Redis calls and translates what they throw. */
export async function guardedRedis<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateRedisError(error);
  }
}
