import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import { createFixedWindows } from '../fixed-windows.js';

const MINUTE_MS = 60_000;
/** Organizations remembered at most in this process; the least recently active are forgotten first. */
const MAX_TRACKED = 100_000;

/**
 * The free routes of its scope (config.operation null: /v1/namespace…, /v1/usage) cost no
 * interactions, so they do not pass the meter's per-minute window: each organization may call them
 * `perMinute` times a minute in this process, else 429 RATE_LIMITED with Retry-After. Runs after
 * the auth plugin has found the organization.
 */
export const managementRatePlugin = fp(async (app: FastifyInstance, options: { clock: Clock; perMinute: number }) => {
  if (options.perMinute === 0) return;
  const windows = createFixedWindows(options.clock, { windowMs: MINUTE_MS, maxTracked: MAX_TRACKED });
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.operation !== null || !request.tenant) return;
    const id = request.tenant.organization.id;
    const window = windows.live(id);
    if (window && window.count >= options.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil(windows.remainingMs(window) / 1000));
      throw new TollgateError('RATE_LIMITED', {
        message: `Rate limit reached: at most ${options.perMinute} management and report calls per minute for this organization. Retry in ${retryAfterSeconds} s.`,
        details: { error: 'Rate limit reached', limit: options.perMinute, window: 'minute', scope: 'organization', routes: 'management', retry_after_seconds: retryAfterSeconds },
      });
    }
    windows.add(id);
  });
});
