import { LRUCache } from 'lru-cache';
import { TollgateError, fail, ok, type Result } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { ApiKey, Namespace, Organization } from '../core/tenants.js';
import type { TenantChange, TenantDirectory } from '../stores/contract.js';
import { apiKeyPrefix, verifyApiKey } from '../tenancy/api-key-secret.js';
import type { TenantContext } from './tenant-context.js';

export interface Authenticator {
  authenticate(rawKey: string | null | undefined): Promise<Result<TenantContext>>;
  /** Drops what a change makes stale (the directory's watch calls it for every process's changes). */
  invalidate(change: TenantChange): void;
  close(): void;
}

const invalidKey = (reason: string, message: string) => fail(new TollgateError('INVALID_API_KEY', { message, details: { reason } }));

/**
 * Key → tenant, with the records cached for `ttlMs` and dropped at once when the directory reports
 * a change. The secret part is checked on every call (an HMAC and a constant-time compare), so a
 * cached record never lets a wrong key through.
 */
export function createAuthenticator(deps: { directory: TenantDirectory; keySecret: string; clock: Clock; ttlMs: number }): Authenticator {
  const { directory, clock } = deps;
  const cache = <T extends {}>() => new LRUCache<string, T>({ max: 100_000, ttl: Math.max(deps.ttlMs, 1), ttlAutopurge: false });
  const keys = cache<ApiKey | 'missing'>();
  const organizations = cache<Organization>();
  const namespaces = cache<Namespace | 'missing'>();
  const ttlEnabled = deps.ttlMs > 0;

  const cached = async <T extends {}>(store: LRUCache<string, T>, id: string, load: () => Promise<T>): Promise<T> => {
    const hit = ttlEnabled ? store.get(id) : undefined;
    if (hit !== undefined) return hit;
    const value = await load();
    if (ttlEnabled) store.set(id, value);
    return value;
  };

  const unsubscribe = directory.watch((change) => authenticator.invalidate(change));

  const authenticator: Authenticator = {
    async authenticate(rawKey) {
      if (!rawKey) return invalidKey('missing', 'An API key is required: send it as X-API-Key, or Authorization: Bearer <key>.');
      const prefix = apiKeyPrefix(rawKey);
      if (!prefix) return invalidKey('malformed', 'The API key is not a Tollgate key (tg_…): check that it was copied whole.');
      try {
        const key = await cached(keys, prefix, async () => (await directory.findApiKeyByPrefix(prefix)) ?? 'missing');
        if (key === 'missing' || !verifyApiKey(deps.keySecret, rawKey, key.hash)) return invalidKey('unknown', 'The API key is not known.');
        const now = clock.now();
        if (key.revokedAt !== null) return invalidKey('revoked', 'The API key has been revoked.');
        if (key.expiresAt !== null && key.expiresAt <= now) return invalidKey('expired', 'The API key has expired.');
        const organization = await cached(organizations, key.organizationId, async () => {
          const org = await directory.getOrganization(key.organizationId);
          if (!org) throw new TollgateError('INVALID_API_KEY', { message: 'The API key belongs to no organization.', details: { reason: 'orphaned' } });
          return org;
        });
        const namespaceId = key.namespaceId ?? organization.defaultNamespaceId;
        const namespace = namespaceId
          ? await cached(namespaces, namespaceId, async () => (await directory.getNamespace(namespaceId)) ?? 'missing')
          : 'missing';
        if (key.kind === 'namespace' && namespace === 'missing') return invalidKey('namespace_deleted', 'The namespace of this API key no longer exists.');
        if (key.kind === 'namespace' && namespace !== 'missing' && !namespace.isActive) {
          return fail(new TollgateError('NAMESPACE_INACTIVE', { message: `The namespace "${namespace.name}" is inactive.`, details: { namespace_id: namespace.id } }));
        }
        return ok({ apiKey: key, organization, namespace: namespace === 'missing' ? null : namespace });
      } catch (error) {
        if (error instanceof TollgateError) return fail(error);
        throw error;
      }
    },
    invalidate(change) {
      switch (change.kind) {
        case 'api_key':
          keys.delete(change.prefix);
          break;
        case 'organization':
          organizations.delete(change.id);
          break;
        case 'namespace':
          namespaces.delete(change.id);
          organizations.delete(change.organizationId);
          break;
      }
    },
    close() {
      unsubscribe();
      keys.clear();
      organizations.clear();
      namespaces.clear();
    },
  };
  return authenticator;
}
