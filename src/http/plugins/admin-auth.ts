import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError } from '../../core/errors.js';
import type { AdminKeys } from '../../tenancy/index.js';

/**
 * X-Admin-Key. Every /admin route needs it. The Parse-style /functions (`whenSent`) also take API
 * keys, so a call may come without one; but an admin key that is sent must be right, or a valid API
 * key sent beside a wrong admin key would pass and hide a failed guess from the auth throttle.
 */
export const adminAuthPlugin = fp(async (app: FastifyInstance, options: { adminKeys: AdminKeys; whenSent?: boolean }) => {
  app.addHook('onRequest', async (request) => {
    const given = adminKeyOf(request, options.whenSent ?? false);
    if (given === null && options.whenSent) return;
    if (!(await options.adminKeys.verify(given))) {
      throw new TollgateError('ADMIN_KEY_INVALID', {
        message: given === null ? 'Send the admin key as X-Admin-Key.' : 'The admin key sent is wrong.',
        details: { reason: given === null ? 'missing' : 'wrong' },
      });
    }
  });
});

/** The admin key a request sends: X-Admin-Key, or X-Parse-Master-Key where Parse-style routes read it (`parseStyle`). */
export function adminKeyOf(request: FastifyRequest, parseStyle: boolean): string | null {
  const given = request.headers['x-admin-key'] ?? (parseStyle ? request.headers['x-parse-master-key'] : undefined);
  return typeof given === 'string' && given ? given : null;
}
