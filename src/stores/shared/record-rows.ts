/**
 * Rows of the SQL stores' tables to domain records. SQLite and PostgreSQL use the same column
 * names; the values differ only in how their drivers hand them over (1/0 or booleans, JSON text or
 * parsed JSON, comma lists or arrays, numbers or bigint strings), and these readers take either.
 */
import type { InteractionType } from '../../core/catalogue.js';
import type { LimitOverrides } from '../../core/plans.js';
import type { ApiKey, EnvironmentType, Namespace, Organization, Permission, SubscriptionStatus, User, Workspace } from '../../core/tenants.js';
import type { FeedbackRecord, InteractionRecord, MemoryRecord, RefusalRow, RollupRow, UsageEvent } from '../contract/index.js';

export type Row = Record<string, unknown>;

/** Usage tables store a missing pointer as '' so that it can be part of a primary key. */
export const toKey = (value: string | null): string => value ?? '';
export const fromKey = (value: unknown): string | null => (value === '' || value === null || value === undefined ? null : String(value));

const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
export const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const flag = (value: unknown): boolean => value === true || value === 1;
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : String(value).split(',').filter(Boolean));
const overrides = (value: unknown): LimitOverrides => Object.freeze(json<LimitOverrides>(value ?? {}));

export function toOrganization(row: Row): Organization {
  return {
    id: String(row.id),
    name: String(row.name),
    subscription: {
      id: String(row.subscription_id),
      tier: String(row.plan_tier),
      status: String(row.subscription_status) as SubscriptionStatus,
      trialEndsAt: numOrNull(row.trial_ends_at),
      meteredBilling: flag(row.metered_billing),
      enforcement: row.enforcement === 'enforce' || row.enforcement === 'observe' ? row.enforcement : null,
      billingCustomerId: strOrNull(row.billing_customer_id),
      billingAnchorDay: numOrNull(row.billing_anchor_day),
    },
    rateLimits: overrides(row.rate_limits),
    defaultNamespaceId: strOrNull(row.default_namespace_id),
    workspaceId: strOrNull(row.workspace_id),
    companyId: strOrNull(row.company_id),
    ownerUserId: strOrNull(row.owner_user_id),
    createdAt: num(row.created_at),
  };
}

export function toNamespace(row: Row): Namespace {
  return {
    id: String(row.id),
    organizationId: String(row.organization_id),
    name: String(row.name),
    environmentType: String(row.environment_type) as EnvironmentType,
    isActive: flag(row.is_active),
    rateLimits: overrides(row.rate_limits),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toApiKey(row: Row): ApiKey {
  return {
    id: String(row.id),
    kind: row.kind === 'organization' ? 'organization' : 'namespace',
    organizationId: String(row.organization_id),
    namespaceId: strOrNull(row.namespace_id),
    userId: strOrNull(row.user_id),
    name: String(row.name),
    prefix: String(row.prefix),
    hash: String(row.hash),
    permissions: list(row.permissions) as Permission[],
    monthlyCap: { mini: numOrNull(row.cap_mini), premium: numOrNull(row.cap_premium) },
    parentKeyId: strOrNull(row.parent_key_id),
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
    expiresAt: numOrNull(row.expires_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function toUser(row: Row): User {
  return { id: String(row.id), organizationId: String(row.organization_id), name: String(row.name), email: strOrNull(row.email), createdAt: num(row.created_at) };
}

export function toWorkspace(row: Row): Workspace {
  return { id: String(row.id), organizationId: String(row.organization_id), name: String(row.name), createdAt: num(row.created_at) };
}

export function toInteraction(row: Row): InteractionRecord {
  return {
    month: num(row.month),
    year: num(row.year),
    workspaceId: fromKey(row.workspace_id),
    userId: fromKey(row.user_id),
    type: String(row.type) as InteractionType,
    organizationId: String(row.organization_id),
    namespaceId: fromKey(row.namespace_id),
    apiKeyId: String(row.api_key_id),
    operation: String(row.operation_type),
    subscriptionId: fromKey(row.subscription_id),
    companyId: fromKey(row.company_id),
    count: num(row.count),
    calls: num(row.calls),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toRollup(row: Row): RollupRow {
  return {
    day: String(row.day),
    organizationId: String(row.organization_id),
    namespaceId: fromKey(row.namespace_id),
    apiKeyId: String(row.api_key_id),
    operation: String(row.operation_type),
    type: String(row.type) as InteractionType,
    count: num(row.count),
    calls: num(row.calls),
    refused: num(row.refused),
    refunded: num(row.refunded),
  };
}

export function toRefusal(row: Row): RefusalRow {
  return {
    day: String(row.day),
    organizationId: String(row.organization_id),
    namespaceId: fromKey(row.namespace_id),
    apiKeyId: String(row.api_key_id),
    operation: String(row.operation_type),
    reason: String(row.reason),
    count: num(row.count),
  };
}

export function toEvent(row: Row): UsageEvent {
  return {
    chargeId: String(row.charge_id),
    atMs: num(row.at),
    organizationId: String(row.organization_id),
    namespaceId: fromKey(row.namespace_id),
    apiKeyId: String(row.api_key_id),
    operation: String(row.operation_type),
    type: String(row.type) as InteractionType,
    cost: num(row.cost),
    outcome: String(row.outcome) as UsageEvent['outcome'],
    reason: strOrNull(row.reason),
    idempotencyKey: strOrNull(row.idempotency_key),
  };
}

export function toMemory(row: Row): MemoryRecord {
  return {
    id: String(row.id),
    organizationId: String(row.organization_id),
    namespaceId: String(row.namespace_id),
    content: String(row.content),
    type: String(row.type),
    metadata: row.metadata === null ? null : json<Record<string, unknown>>(row.metadata),
    externalUserId: strOrNull(row.external_user_id),
    userId: strOrNull(row.user_id),
    extra: json<Record<string, unknown>>(row.extra),
    bytes: num(row.bytes),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toFeedback(row: Row): FeedbackRecord {
  return {
    id: String(row.id),
    organizationId: String(row.organization_id),
    namespaceId: strOrNull(row.namespace_id),
    searchId: String(row.search_id),
    userId: strOrNull(row.user_id),
    externalUserId: strOrNull(row.external_user_id),
    data: json<Record<string, unknown>>(row.data),
    bytes: num(row.bytes),
    createdAt: num(row.created_at),
  };
}

/** A key a change revoked, as key.revoked names it (billing/webhook-events.ts). */
export function toRevokedKey(row: Row): { id: string; prefix: string; organizationId: string; namespaceId: string | null } {
  return { id: String(row.id), prefix: String(row.prefix), organizationId: String(row.organization_id), namespaceId: fromKey(row.namespace_id) };
}
