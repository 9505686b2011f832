import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError } from '../../core/errors.js';
import type { Permission } from '../../core/tenants.js';
import type { Meter } from '../../metering/index.js';
import type { AdminKeys } from '../../tenancy/index.js';
import { adminKeyOf, verifyAdminKey } from './admin-auth.js';

/**
 * Who may call a route (route config `caller`, else the scope's): an API key; the operator's admin
 * key; or either, where an admin key that is sent must be right (else a valid API key beside a
 * wrong admin key would pass and hide a failed guess from the auth throttle).
 */
export type CallerKind = 'api_key' | 'admin' | 'api_key_or_admin';

/**
 * The one authentication hook of every surface (/v1, /admin, /functions). An API key is sent as
 * `X-API-Key: <key>`, `Authorization: APIKey <key>` or `Authorization: Bearer <key>`; the admin key
 * as X-Admin-Key (or, on Parse-style routes, X-Parse-Master-Key). Runs before the body is read, then
 * checks the route's permission, key kind and namespace needs.
 */
export const authPlugin = fp(async (app: FastifyInstance, options: { meter: Meter; adminKeys: AdminKeys; caller?: CallerKind }) => {
  app.decorateRequest('tenant', null);
  app.decorateRequest('admin', false);
  app.addHook('onRequest', async (request) => {
    const caller = request.routeOptions.config.caller ?? options.caller ?? 'api_key';
    if (caller !== 'api_key') {
      const given = adminKeyOf(request, caller === 'api_key_or_admin');
      if (given !== null || caller === 'admin') {
        await verifyAdminKey(options.adminKeys, given);
        request.admin = true;
        return;
      }
    }
    const result = await options.meter.authenticate(apiKeyOf(request));
    if (!result.ok) throw result.error;
    const tenant = result.value;
    const config = request.routeOptions.config;
    const permission = config.permission ?? defaultPermission(request.method);
    if (!tenant.apiKey.permissions.includes(permission)) {
      throw new TollgateError('PERMISSION_DENIED', {
        message: `This API key lacks the "${permission}" permission this call needs (it has: ${tenant.apiKey.permissions.join(', ')}).`,
        details: { required_permission: permission, permissions: tenant.apiKey.permissions },
      });
    }
    if (config.keyKinds && !config.keyKinds.includes(tenant.apiKey.kind)) {
      throw new TollgateError('PERMISSION_DENIED', {
        message: `This call needs an ${config.keyKinds.join(' or ')} key; this is a ${tenant.apiKey.kind} key.`,
        details: { required_key_kind: config.keyKinds, key_kind: tenant.apiKey.kind },
      });
    }
    if (config.needsNamespace && !tenant.namespace) {
      throw new TollgateError('NAMESPACE_REQUIRED', {
        message: 'Memory calls made with an organization key go to its default namespace, and the organization has none: create one with POST /v1/namespace.',
      });
    }
    request.tenant = tenant;
  });
});

export function apiKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^(?:APIKey|Bearer)\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return null;
}

function defaultPermission(method: string): Permission {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'DELETE') return 'delete';
  return 'write';
}
