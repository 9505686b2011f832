import { LRUCache } from 'lru-cache';
import { TollgateError, fail, ok, type Result } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { TenantChange, TenantDirectory } from '../stores/contract/index.js';
import { apiKeyPrefix, verifyApiKey } from '../tenancy/api-key-secret.js';
import type { TenantContext } from './tenant-context.js';

export interface Authenticator {
  authenticate(rawKey: string | null | undefined): Promise<Result<TenantContext>>;
  /** Drops what a change makes stale (the directory's watch calls it for every process's changes). */
  invalidate(change: TenantChange): void;
  close(): void;
}

const invalidKey = (reason: string, message: string) => fail(new TollgateError('INVALID_API_KEY', { message, details: { reason } }));

/** A key's context, or null for a prefix the store does not know (kept too, so that unknown keys do not reach it). */
type Entry = { context: TenantContext | null };

/**
 * Key → tenant. Whole contexts (key, organization, namespace) are cached by key prefix for `ttlMs`
 * and dropped at once when the directory reports a change to any of the three, so a context object
 * is immutable and the engine can memoize what it derives from it. The secret part is checked on
 * every call (an HMAC and a constant-time compare), so a cached record never lets a wrong key in.
 */
export function createAuthenticator(deps: { directory: TenantDirectory; keySecret: string; clock: Clock; ttlMs: number }): Authenticator {
  const { directory, clock } = deps;
  const cache = new LRUCache<string, Entry>({ max: 100_000, ttl: Math.max(deps.ttlMs, 1) });
  const useCache = deps.ttlMs > 0;

  const load = async (prefix: string): Promise<Entry> => {
    const key = await directory.findApiKeyByPrefix(prefix);
    if (!key) return { context: null };
    const organization = await directory.getOrganization(key.organizationId);
    if (!organization) return { context: null };
    const namespaceId = key.namespaceId ?? organization.defaultNamespaceId;
    const namespace = namespaceId ? await directory.getNamespace(namespaceId) : null;
    return { context: { apiKey: key, organization, namespace } };
  };

  const unsubscribe = directory.watch((change) => authenticator.invalidate(change));

  const authenticator: Authenticator = {
    async authenticate(rawKey) {
      if (!rawKey) return invalidKey('missing', 'An API key is required: send it as X-API-Key, or Authorization: Bearer <key>.');
      const prefix = apiKeyPrefix(rawKey);
      if (!prefix) return invalidKey('malformed', 'The API key is not a Tollgate key (tg_…): check that it was copied whole.');
      let entry = useCache ? cache.get(prefix) : undefined;
      if (!entry) {
        try {
          entry = await load(prefix);
        } catch (error) {
          if (error instanceof TollgateError) return fail(error);
          throw error;
        }
        // Stryker disable next-line ConditionalExpression: with a TTL of 0 the cache is never read, so what is set in it changes no answer
        if (useCache) cache.set(prefix, entry);
      }
      if (!entry.context || !verifyApiKey(deps.keySecret, rawKey, entry.context.apiKey.hash)) return invalidKey('unknown', 'The API key is not known.');
      const { context } = entry;
      const key = context.apiKey;
      if (key.revokedAt !== null) return invalidKey('revoked', 'The API key has been revoked.');
      if (key.expiresAt !== null && key.expiresAt <= clock.now()) return invalidKey('expired', 'The API key has expired.');
      if (key.kind === 'namespace') {
        if (!context.namespace) return invalidKey('namespace_deleted', 'The namespace of this API key no longer exists.');
        if (!context.namespace.isActive) {
          return fail(
            new TollgateError('NAMESPACE_INACTIVE', {
              message: `The namespace "${context.namespace.name}" is inactive.`,
              details: { namespace_id: context.namespace.id },
            }),
          );
        }
      }
      return ok(context);
    },
    invalidate(change) {
      if (change.kind === 'api_key') {
        cache.delete(change.prefix);
        return;
      }
      // Organization and namespace changes are rare (administration): a scan is fine.
      for (const [prefix, entry] of cache.entries()) {
        if (!entry.context) continue;
        // A context's namespace is always of its organization: a change to any namespace of the organization covers it.
        const { organization } = entry.context;
        const stale = organization.id === (change.kind === 'organization' ? change.id : change.organizationId);
        if (stale) cache.delete(prefix);
      }
    },
    close() {
      unsubscribe();
      cache.clear();
    },
  };
  return authenticator;
}
