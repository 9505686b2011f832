/**
 * PostgreSQL's side of the row mapping: the columns Tollgate writes, in order. Reading rows back is
 * shared with SQLite (src/stores/shared/record-rows.ts). pg returns bigint columns as strings; every
 * value Tollgate keeps there (epoch ms, counts) is far below 2^53, so they are read back as numbers.
 */
import type { Organization } from '../../core/tenants.js';
import type { MemoryRecord } from '../contract/index.js';

export { fromKey, toApiKey, toEvent, toFeedback, toInteraction, toKey, toMemory, toNamespace, toOrganization, toRefusal, toRollup, toUser, toWorkspace, type Row } from '../shared/record-rows.js';

/** The organization columns Tollgate writes besides updated_at, id first. */
export const ORGANIZATION_COLUMNS = [
  'id',
  'name',
  'subscription_id',
  'plan_tier',
  'subscription_status',
  'trial_ends_at',
  'metered_billing',
  'enforcement',
  'billing_customer_id',
  'billing_anchor_day',
  'rate_limits',
  'default_namespace_id',
  'workspace_id',
  'company_id',
  'owner_user_id',
  'created_at',
] as const;

/** An organization's values, in the order of ORGANIZATION_COLUMNS. */
export function organizationValues(org: Organization): unknown[] {
  const s = org.subscription;
  return [
    org.id,
    org.name,
    s.id,
    s.tier,
    s.status,
    s.trialEndsAt,
    s.meteredBilling,
    s.enforcement,
    s.billingCustomerId,
    s.billingAnchorDay,
    JSON.stringify(org.rateLimits),
    org.defaultNamespaceId,
    org.workspaceId,
    org.companyId,
    org.ownerUserId,
    org.createdAt,
  ];
}

/** The memory columns Tollgate writes (the search vector is generated), keys first. */
export const MEMORY_COLUMNS = [
  'namespace_id',
  'id',
  'organization_id',
  'content',
  'type',
  'metadata',
  'external_user_id',
  'user_id',
  'extra',
  'bytes',
  'created_at',
  'updated_at',
] as const;

export const MEMORY_TYPES = ['text', 'text', 'text', 'text', 'text', 'jsonb', 'text', 'text', 'jsonb', 'bigint', 'bigint', 'bigint'] as const;

/** A memory's values, in the order of MEMORY_COLUMNS. */
export function memoryValues(m: MemoryRecord): unknown[] {
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  return [m.namespaceId, m.id, m.organizationId, m.content, m.type, json(m.metadata), m.externalUserId, m.userId, JSON.stringify(m.extra), m.bytes, m.createdAt, m.updatedAt];
}
