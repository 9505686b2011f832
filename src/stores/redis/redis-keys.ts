import type { CounterRef, ScopeKind } from '../contract/index.js';

/**
 * Every key the store writes. Each organization's keys carry its id as the hash tag, `{<org>}`, so
 * that Redis Cluster puts them in one slot and every script runs on one node: the marker (this
 * incarnation of the organization's data), the stream of records, one counter hash per period,
 * minute windows, idempotency keys, refund markers and the rebuild lock. Three keys are global, each
 * in a slot of its own: the instance stamp, the registry of streams, the sweep lock.
 */
export interface OrganizationKeys {
  /** The epoch token: present once the organization's state was loaded into this Redis. */
  readonly marker: string;
  readonly stream: string;
  readonly lock: string;
  /** Counters of one period ("2026-11", "lifetime"); field `_l` holds the epoch it was loaded in. */
  period(period: string): string;
  /** One minute window of every rate key of the organization. */
  window(windowMs: number, windowStartMs: number): string;
  idempotency(apiKeyId: string, key: string): string;
  refund(chargeId: string): string;
}

export interface RedisKeys {
  organization(organizationId: string): OrganizationKeys;
  /** When this Redis was first used (Redis time, ms): a young stamp means its data was just lost. */
  readonly instance: string;
  /** Organizations with a stream, scored by when a process last said it writes there (Redis time). */
  readonly streams: string;
  readonly sweepLock: string;
}

/** A hash tag ends at the first `}`: braces (and the escape character) in an id are escaped. */
const tagOf = (id: string) => (/[{}%]/.test(id) ? id.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : id);

export function createRedisKeys(prefix: string): RedisKeys {
  const cache = new Map<string, OrganizationKeys>();
  return {
    organization(organizationId) {
      let keys = cache.get(organizationId);
      if (keys) return keys;
      const base = `${prefix}{${tagOf(organizationId)}}:`;
      keys = {
        marker: `${base}m`,
        stream: `${base}s`,
        lock: `${base}lock`,
        period: (period) => `${base}c:${period}`,
        window: (windowMs, windowStartMs) => `${base}w:${windowMs}:${windowStartMs}`,
        idempotency: (apiKeyId, key) => `${base}i:${apiKeyId}:${key}`,
        refund: (chargeId) => `${base}f:${chargeId}`,
      };
      // Bounded: a long-running process meets many organizations, each key set is a few closures.
      if (cache.size >= 10_000) cache.clear();
      cache.set(organizationId, keys);
      return keys;
    },
    instance: `${prefix}instance`,
    streams: `${prefix}streams`,
    sweepLock: `${prefix}sweep`,
  };
}

const SCOPE_LETTER: Record<ScopeKind, string> = { organization: 'o', namespace: 'n', api_key: 'k' };
const fields = new WeakMap<CounterRef, string>();

/** A counter's field in its period's hash: scope letter, scope id, metric. */
export function counterField(ref: CounterRef): string {
  let field = fields.get(ref);
  if (field === undefined) {
    field = `${SCOPE_LETTER[ref.scope]}:${ref.scopeId}:${ref.metric}`;
    fields.set(ref, field);
  }
  return field;
}
