import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../../core/errors.js';
import type { AdminKeys } from '../../tenancy/index.js';

/** The admin key a request sends: X-Admin-Key, or X-Parse-Master-Key where Parse-style routes read it (`parseStyle`). */
export function adminKeyOf(request: FastifyRequest, parseStyle: boolean): string | null {
  const given = request.headers['x-admin-key'] ?? (parseStyle ? request.headers['x-parse-master-key'] : undefined);
  return typeof given === 'string' && given ? given : null;
}

/** Throws 401 ADMIN_KEY_INVALID unless `given` is the admin key. */
export async function verifyAdminKey(adminKeys: AdminKeys, given: string | null): Promise<void> {
  if (await adminKeys.verify(given)) return;
  throw new TollgateError('ADMIN_KEY_INVALID', {
    message: given === null ? 'Send the admin key as X-Admin-Key.' : 'The admin key sent is wrong.',
    details: { reason: given === null ? 'missing' : 'wrong' },
  });
}
