import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError } from '../../core/errors.js';
import type { AdminKeys } from '../../tenancy/index.js';

/** /admin: every route needs X-Admin-Key. */
export const adminAuthPlugin = fp(async (app: FastifyInstance, options: { adminKeys: AdminKeys }) => {
  app.addHook('onRequest', async (request) => {
    const given = request.headers['x-admin-key'];
    if (!(await options.adminKeys.verify(typeof given === 'string' ? given : null))) {
      throw new TollgateError('ADMIN_KEY_INVALID', { message: 'Send the admin key as X-Admin-Key.' });
    }
  });
});
