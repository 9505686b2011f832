/**
 * Tenants between Parse classes and src/core/tenants.ts: the field mapping docs/parse.md lists.
 * Reads are lenient with what older deployments hold (a missing field takes the safe default
 * written beside it); writes use exactly these names.
 */
import type { LimitOverrides } from '../../core/plans.js';
import {
  ENVIRONMENT_TYPES,
  PERMISSIONS,
  SUBSCRIPTION_STATUSES,
  type ApiKey,
  type EnvironmentType,
  type Namespace,
  type Organization,
  type Permission,
  type Subscription,
  type SubscriptionStatus,
  type User,
  type Workspace,
} from '../../core/tenants.js';
import type { NewApiKey } from '../contract/index.js';
import type { ParseObject } from './parse-client.js';
import { fromParseDate, parseDate, pointer, pointerId } from './parse-mapper.js';

export const TENANT_CLASSES = Object.freeze({
  organization: 'Organization',
  namespace: 'Namespace',
  apiKey: 'APIKey',
  subscription: 'Subscription',
  workspace: 'WorkSpace',
  user: '_User',
  company: 'Company',
});

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const created = (o: ParseObject) => fromParseDate(o.createdAt) ?? 0;
const overrides = (value: unknown): LimitOverrides =>
  Object.freeze(value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as LimitOverrides) } : {});

/** A status Tollgate does not know is read as incomplete: refused, never let through. */
const status = (value: unknown): SubscriptionStatus =>
  (SUBSCRIPTION_STATUSES as readonly unknown[]).includes(value) ? (value as SubscriptionStatus) : value === undefined ? 'active' : 'incomplete';

export function toSubscription(o: ParseObject | null): Subscription {
  return {
    id: o?.objectId ?? '',
    // No plan tier is an unknown tier: the engine refuses it (PLAN_UNKNOWN), never unlimited.
    tier: str(o?.plan_tier) ?? '',
    status: o ? status(o.status) : 'incomplete',
    trialEndsAt: o ? fromParseDate(o.trial_ends_at) : null,
    meteredBilling: o?.metered_billing === true,
    enforcement: o?.enforcement === 'enforce' || o?.enforcement === 'observe' ? o.enforcement : null,
    billingCustomerId: o ? str(o.billing_customer_id) : null,
    billingAnchorDay: o ? num(o.billing_anchor_day) : null,
  };
}

/** An Organization fetched with `include=subscription`. */
export function toOrganization(o: ParseObject): Organization {
  const subscription = o.subscription && typeof o.subscription === 'object' && 'createdAt' in o.subscription ? (o.subscription as unknown as ParseObject) : null;
  return {
    id: o.objectId,
    name: str(o.name) ?? o.objectId,
    subscription: subscription ? toSubscription(subscription) : { ...toSubscription(null), id: pointerId(o.subscription) ?? '' },
    rateLimits: overrides(o.rate_limits),
    defaultNamespaceId: pointerId(o.default_namespace),
    workspaceId: pointerId(o.workspace),
    companyId: pointerId(o.company),
    ownerUserId: pointerId(o.owner),
    createdAt: created(o),
  };
}

export function subscriptionFields(s: Partial<Omit<Subscription, 'id'>>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (s.tier !== undefined) fields.plan_tier = s.tier;
  if (s.status !== undefined) fields.status = s.status;
  if (s.trialEndsAt !== undefined) fields.trial_ends_at = s.trialEndsAt === null ? { __op: 'Delete' } : parseDate(s.trialEndsAt);
  if (s.meteredBilling !== undefined) fields.metered_billing = s.meteredBilling;
  if (s.enforcement !== undefined) fields.enforcement = s.enforcement ?? { __op: 'Delete' };
  if (s.billingCustomerId !== undefined) fields.billing_customer_id = s.billingCustomerId ?? { __op: 'Delete' };
  if (s.billingAnchorDay !== undefined) fields.billing_anchor_day = s.billingAnchorDay ?? { __op: 'Delete' };
  return fields;
}

export function toNamespace(o: ParseObject): Namespace {
  const environment = (ENVIRONMENT_TYPES as readonly unknown[]).includes(o.environment_type) ? (o.environment_type as EnvironmentType) : 'production';
  return {
    id: o.objectId,
    organizationId: pointerId(o.organization) ?? '',
    name: str(o.name) ?? o.objectId,
    environmentType: environment,
    isActive: o.is_active !== false,
    rateLimits: overrides(o.rate_limits),
    createdAt: created(o),
    updatedAt: fromParseDate(o.updatedAt) ?? created(o),
  };
}

export const isDeleted = (o: ParseObject) => fromParseDate(o.deleted_at) !== null;

/** Keys without a prefix and a keyed hash (written before Tollgate) are never returned: see docs/parse.md. */
export const isTollgateKey = (o: ParseObject) => str(o.key_prefix) !== null && str(o.key_hash) !== null;

export function toApiKey(o: ParseObject): ApiKey {
  const permissions = Array.isArray(o.permissions) ? (o.permissions.filter((p) => (PERMISSIONS as readonly unknown[]).includes(p)) as Permission[]) : [...PERMISSIONS];
  const namespaceId = pointerId(o.namespace);
  return {
    id: o.objectId,
    kind: namespaceId === null ? 'organization' : 'namespace',
    organizationId: pointerId(o.organization) ?? '',
    namespaceId,
    userId: pointerId(o.user),
    name: str(o.name) ?? o.objectId,
    prefix: String(o.key_prefix),
    hash: String(o.key_hash),
    permissions,
    monthlyCap: { mini: num(o.monthly_cap_mini), premium: num(o.monthly_cap_premium) },
    parentKeyId: str(o.parent_key_id),
    createdAt: created(o),
    lastUsedAt: fromParseDate(o.last_used_at),
    expiresAt: fromParseDate(o.expires_at),
    revokedAt: fromParseDate(o.revoked_at),
  };
}

export function apiKeyFields(k: NewApiKey): Record<string, unknown> {
  return {
    objectId: k.id,
    organization: pointer(TENANT_CLASSES.organization, k.organizationId),
    ...(k.namespaceId ? { namespace: pointer(TENANT_CLASSES.namespace, k.namespaceId) } : {}),
    ...(k.userId ? { user: pointer(TENANT_CLASSES.user, k.userId) } : {}),
    name: k.name,
    key_prefix: k.prefix,
    key_hash: k.hash,
    permissions: [...k.permissions],
    ...(k.monthlyCap.mini !== null ? { monthly_cap_mini: k.monthlyCap.mini } : {}),
    ...(k.monthlyCap.premium !== null ? { monthly_cap_premium: k.monthlyCap.premium } : {}),
    ...(k.expiresAt !== null ? { expires_at: parseDate(k.expiresAt) } : {}),
    ...(k.parentKeyId !== null ? { parent_key_id: k.parentKeyId } : {}),
  };
}

export function toUser(o: ParseObject): User {
  return {
    id: o.objectId,
    organizationId: pointerId(o.organization) ?? '',
    name: str(o.name) ?? str(o.username) ?? o.objectId,
    email: str(o.email),
    createdAt: created(o),
  };
}

export function toWorkspace(o: ParseObject): Workspace {
  return { id: o.objectId, organizationId: pointerId(o.organization) ?? '', name: str(o.name) ?? o.objectId, createdAt: created(o) };
}
