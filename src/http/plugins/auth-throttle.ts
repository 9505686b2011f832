import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError, isTollgateError } from '../../core/errors.js';
import { apiKeyPrefix } from '../../tenancy/index.js';
import { ADMIN_KEY_TARGET, type AuthFailures, type AuthRefusal } from '../auth-failures.js';
import { clientOf } from '../client-address.js';
import { adminKeyOf } from './admin-auth.js';
import { apiKeyOf } from './auth.js';

/**
 * Registered in a scope before its key check (/v1, /admin, /functions). An attempt that the count
 * of failed attempts refuses answers 429 AUTH_THROTTLED before any key is looked up or hashed: a
 * throttled guess costs nothing and tells nothing, even a right one. A failed attempt (a 401 for a
 * key that was sent) is counted as it is answered; successes change no count.
 */
export const authThrottlePlugin = fp(async (app: FastifyInstance, options: { failures: AuthFailures }) => {
  app.addHook('onRequest', async (request) => {
    const refusal = options.failures.refusal(clientOf(request.ip), keysSentWith(request));
    if (refusal) throw throttled(refusal);
  });
  app.addHook('onError', async (request, _reply, error) => {
    const failed = failedKeyOf(request, error);
    if (failed !== undefined) options.failures.record(clientOf(request.ip), failed);
  });
});

/** The keys an attempt sends, named as their failures are counted. */
function keysSentWith(request: FastifyRequest): string[] {
  const apiKey = apiKeyOf(request);
  const prefix = apiKey ? apiKeyPrefix(apiKey) : null;
  return [...(prefix ? [prefix] : []), ...(adminKeyOf(request, true) ? [ADMIN_KEY_TARGET] : [])];
}

/** The key a failed attempt is counted against (null: a malformed one), or undefined when the error is no failed attempt. */
function failedKeyOf(request: FastifyRequest, error: unknown): string | null | undefined {
  // A call without a key guesses nothing and costs no lookup.
  if (!isTollgateError(error) || error.details.reason === 'missing') return undefined;
  if (error.code === 'ADMIN_KEY_INVALID') return ADMIN_KEY_TARGET;
  if (error.code !== 'INVALID_API_KEY') return undefined;
  const apiKey = apiKeyOf(request);
  return apiKey ? apiKeyPrefix(apiKey) : null;
}

function throttled(refusal: AuthRefusal): TollgateError {
  const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  const why =
    refusal.by === 'client'
      ? 'Too many failed authentication attempts from this address'
      : 'Too many failed attempts with this key, and this address has failed too';
  return new TollgateError('AUTH_THROTTLED', {
    message: `${why}: no key sent from it is checked for ${seconds} s. Retry after ${seconds} s.`,
    details: { throttled: refusal.by, retry_after_seconds: seconds },
  });
}
