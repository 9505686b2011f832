/** Tenants to the wire (snake_case, ISO dates) — the admin API and the namespace API share these. */
import type { ApiKey, Namespace, Organization } from '../../core/tenants.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toOrganizationJson(org: Organization) {
  const s = org.subscription;
  return {
    id: org.id,
    name: org.name,
    plan_tier: s.tier,
    subscription: {
      id: s.id,
      tier: s.tier,
      status: s.status,
      trial_ends_at: iso(s.trialEndsAt),
      metered_billing: s.meteredBilling,
      billing_customer_id: s.billingCustomerId,
      billing_anchor_day: s.billingAnchorDay,
      enforcement: s.enforcement,
    },
    rate_limits: org.rateLimits,
    default_namespace_id: org.defaultNamespaceId,
    workspace_id: org.workspaceId,
    company_id: org.companyId,
    owner_user_id: org.ownerUserId,
    created_at: iso(org.createdAt),
  };
}

/** NamespaceItem of the Papr API (objectId, camelCase dates), plus `id` for the admin API. */
export function toNamespaceJson(ns: Namespace) {
  return {
    objectId: ns.id,
    id: ns.id,
    name: ns.name,
    organization_id: ns.organizationId,
    environment_type: ns.environmentType,
    is_active: ns.isActive,
    rate_limits: ns.rateLimits,
    createdAt: iso(ns.createdAt),
    updatedAt: iso(ns.updatedAt),
  };
}

/** A key as listings show it: never its hash, never the key. */
export function toApiKeyJson(key: ApiKey) {
  return {
    id: key.id,
    kind: key.kind,
    name: key.name,
    prefix: key.prefix,
    organization_id: key.organizationId,
    namespace_id: key.namespaceId,
    user_id: key.userId,
    permissions: key.permissions,
    monthly_cap: key.monthlyCap,
    parent_key_id: key.parentKeyId,
    created_at: iso(key.createdAt),
    last_used_at: iso(key.lastUsedAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    is_active: key.revokedAt === null,
  };
}

/** Wire dates to epoch ms: ISO text or null; undefined stays undefined. */
export function toEpoch(value: string | null | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return Date.parse(value);
}
