import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../../core/errors.js';
import type { IdempotencyCache, StoredResponse } from '../../stores/contract/index.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Response headers worth replaying (not dates, not the request id of the first call). */
const REPLAYED_HEADERS = ['content-type', 'x-usage-cost'];

/** The Idempotency-Key header, checked: printable ASCII, at most 255 characters. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return null;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new TollgateError('VALIDATION_FAILED', {
      message: 'Idempotency-Key must be 1 to 255 printable ASCII characters.',
      details: { field: 'headers.idempotency-key' },
    });
  }
  return key;
}

/** What makes two requests "the same request": method, path and body. */
export function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\0')
    .update(request.url)
    .update('\0')
    .update(JSON.stringify(request.body ?? null))
    .digest('base64url');
}

export function responseToStore(status: number, headers: Record<string, unknown>, payload: unknown): StoredResponse | null {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return null;
  const kept: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) if (headers[name] !== undefined) kept[name] = String(headers[name]);
  return { status, headers: kept, body: payload.toString() };
}

/**
 * The answer of the first request with this key. The charge's replay proves the first request was
 * granted; its response may still be on the way, so wait for it a little before giving up with a
 * retryable 409.
 */
export async function awaitStoredResponse(cache: IdempotencyCache, scope: string, key: string, waitMs = 10_000): Promise<StoredResponse> {
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const stored = await cache.getResponse(scope, key);
    if (stored) return stored;
    if (Date.now() >= deadline) {
      throw new TollgateError('IDEMPOTENCY_IN_PROGRESS', {
        message: `The first request with Idempotency-Key "${key}" has not finished yet; retry shortly.`,
        details: { idempotency_key: key, retry_after_seconds: 1 },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
