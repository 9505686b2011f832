import { INTERACTION_TYPES, type InteractionType } from '../core/catalogue.js';
import type { LimitField } from '../core/plans.js';
import type { ApiKey, Namespace } from '../core/tenants.js';
import type { TenantDirectory } from '../stores/contract/index.js';
import type { UsageView } from './usage-access.js';
import type { TypedUsageGroup, UsageGroup } from './usage-summary.js';

/** The part of the tenant directory the report reads names, prefixes, caps and overrides from. */
export type ScopeDirectory = Pick<TenantDirectory, 'listNamespaces' | 'getNamespace' | 'listApiKeys' | 'getApiKey'>;

type KeyDetails = UsageView['keyDetails'];

const MONTHLY_FIELD: Readonly<Record<InteractionType, LimitField>> = {
  mini: 'max_mini_interactions_per_month',
  premium: 'max_premium_interactions_per_month',
};
const PAGE = 500;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** One interaction type of one scope: what it used and its own limit (null: none of its own). */
export function typeUsage(group: UsageGroup | undefined, limit: number | null) {
  const used = group?.count ?? 0;
  return { used, calls: group?.calls ?? 0, limit, remaining: limit === null ? null : Math.max(0, limit - used) };
}

function typedUsage(group: TypedUsageGroup | undefined, limitOf: (type: InteractionType) => number | null) {
  return Object.fromEntries(INTERACTION_TYPES.map((type) => [type, typeUsage(group?.[type], limitOf(type))])) as Record<InteractionType, ReturnType<typeof typeUsage>>;
}

const refusedOf = (group: TypedUsageGroup | undefined) => (group ? group.mini.refused + group.premium.refused : 0);

/**
 * The namespaces section: every namespace in view (all of the organization's, or the one chosen,
 * or those a chosen key used), with its usage per interaction type against its own limit — the
 * namespace override; null where it inherits the organization's limit.
 */
export async function namespaceSection(
  directory: ScopeDirectory,
  view: { organizationId: string; namespace: Namespace | null; apiKey: ApiKey | null },
  usage: readonly TypedUsageGroup[],
) {
  const byId = new Map(usage.map((g) => [g.key, g]));
  let namespaces: Namespace[];
  if (view.namespace) namespaces = [view.namespace];
  else if (view.apiKey) namespaces = await namespacesById(directory, [...new Set([view.apiKey.namespaceId, ...byId.keys()].filter((id): id is string => !!id))]);
  else namespaces = await allNamespaces(directory, view.organizationId);
  const known = new Set(namespaces.map((ns) => ns.id));
  const entries = namespaces.map((ns) => ({
    namespace_id: ns.id,
    name: ns.name as string | null,
    environment_type: ns.environmentType as string | null,
    is_active: ns.isActive,
    refused: refusedOf(byId.get(ns.id)),
    interactions: typedUsage(byId.get(ns.id), (type) => ns.rateLimits[MONTHLY_FIELD[type]] ?? null),
  }));
  // Usage of a namespace deleted since (its records stay): shown without a name.
  for (const [id, group] of byId) {
    if (id === '' || known.has(id)) continue;
    entries.push({ namespace_id: id, name: null, environment_type: null, is_active: false, refused: refusedOf(group), interactions: typedUsage(group, () => null) });
  }
  return entries.sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.namespace_id.localeCompare(b.namespace_id));
}

/**
 * The API keys section: the keys in view (the chosen one, the chosen namespace's, or all of the
 * organization's) that are not revoked or were used in the period, plus any other key whose calls
 * are in view, with last use, monthly cap and remaining cap per interaction type.
 */
export async function apiKeySection(
  directory: ScopeDirectory,
  view: { organizationId: string; namespace: Namespace | null; apiKey: ApiKey | null; keyDetails: KeyDetails },
  usage: readonly TypedUsageGroup[],
) {
  const detailed = (key: ApiKey) => view.keyDetails === 'all' || view.keyDetails.only === key.id;
  const byId = new Map(usage.map((g) => [g.key, g]));
  const listed = view.apiKey
    ? [view.apiKey]
    : await directory.listApiKeys({ organizationId: view.organizationId, ...(view.namespace ? { namespaceId: view.namespace.id } : {}) });
  const keys = listed.filter((k) => k.revokedAt === null || byId.has(k.id) || k.id === view.apiKey?.id);
  const seen = new Set(keys.map((k) => k.id));
  // An organization key's calls land in a namespace without the key being listed under it.
  const others = await Promise.all([...byId.keys()].filter((id) => !seen.has(id)).map((id) => directory.getApiKey(id)));
  for (const key of others) if (key && key.organizationId === view.organizationId) keys.push(key);
  return keys
    .map((key) => ({
      api_key_id: key.id,
      // Another key's name, prefix and permissions are for callers that manage keys (resolveUsageView).
      name: detailed(key) ? key.name : null,
      prefix: detailed(key) ? key.prefix : null,
      kind: key.kind,
      namespace_id: key.namespaceId,
      permissions: detailed(key) ? key.permissions : null,
      created_at: iso(key.createdAt),
      last_used_at: iso(key.lastUsedAt),
      expires_at: iso(key.expiresAt),
      revoked_at: iso(key.revokedAt),
      is_active: key.revokedAt === null,
      refused: refusedOf(byId.get(key.id)),
      interactions: typedUsage(byId.get(key.id), (type) => key.monthlyCap[type]),
    }))
    .sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.api_key_id.localeCompare(b.api_key_id));
}

async function allNamespaces(directory: ScopeDirectory, organizationId: string): Promise<Namespace[]> {
  const all: Namespace[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await directory.listNamespaces(organizationId, { offset, limit: PAGE });
    all.push(...page.items);
    if (page.items.length < PAGE || all.length >= page.total) return all;
  }
}

async function namespacesById(directory: ScopeDirectory, ids: readonly string[]): Promise<Namespace[]> {
  return (await Promise.all(ids.map((id) => directory.getNamespace(id)))).filter((ns): ns is Namespace => ns !== null);
}
