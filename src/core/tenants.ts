import type { LimitOverrides } from './plans.js';

/** Subscription states (Stripe's vocabulary). Only active and trialing may make calls. */
export const SUBSCRIPTION_STATUSES = [
  'active',
  'trialing',
  'canceled',
  'unpaid',
  'past_due',
  'paused',
  'incomplete',
  'incomplete_expired',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export interface Subscription {
  readonly id: string;
  readonly tier: string;
  readonly status: SubscriptionStatus;
  /** When a trial ends (epoch ms), or null. */
  readonly trialEndsAt: number | null;
  /** With metered billing, monthly limits do not refuse: usage past the included amount is overage. */
  readonly meteredBilling: boolean;
  readonly billingCustomerId: string | null;
  /** Day of month (1–31) a billing cycle starts on; null for the UTC calendar month. */
  readonly billingAnchorDay: number | null;
  /**
   * enforce: monthly limits refuse calls. observe: every call is counted, recorded and billed and
   * none is refused for a monthly limit; each would-be refusal is recorded with its reason. Null:
   * the deployment's setting (metering.enforcement).
   */
  readonly enforcement: Enforcement | null;
}

export const ENFORCEMENT_MODES = ['enforce', 'observe'] as const;
export type Enforcement = (typeof ENFORCEMENT_MODES)[number];

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly subscription: Subscription;
  readonly rateLimits: LimitOverrides;
  /** The namespace memory calls made with an organization key go to. */
  readonly defaultNamespaceId: string | null;
  readonly workspaceId: string | null;
  readonly companyId: string | null;
  readonly ownerUserId: string | null;
  readonly createdAt: number;
}

export const ENVIRONMENT_TYPES = ['production', 'staging', 'development', 'test'] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

export interface Namespace {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly environmentType: EnvironmentType;
  readonly isActive: boolean;
  /** Overrides of the organization's limits; a field that is absent or null inherits. */
  readonly rateLimits: LimitOverrides;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const PERMISSIONS = ['read', 'write', 'delete'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type ApiKeyKind = 'namespace' | 'organization';

/** An API key's own monthly caps, per interaction type; null means no cap of its own. */
export interface ApiKeyCap {
  readonly mini: number | null;
  readonly premium: number | null;
}

/** What the directory stores for a key: never the key itself, only its keyed hash. */
export interface ApiKey {
  readonly id: string;
  readonly kind: ApiKeyKind;
  readonly organizationId: string;
  /** Null for an organization key. */
  readonly namespaceId: string | null;
  readonly userId: string | null;
  readonly name: string;
  /** The visible part of the key, unique, used to find the record. */
  readonly prefix: string;
  /** HMAC-SHA-256 of the whole key under the server secret, hex. */
  readonly hash: string;
  readonly permissions: readonly Permission[];
  readonly monthlyCap: ApiKeyCap;
  /** The key that minted it through the API; null when the operator made it. Revoking a key revokes what it minted. */
  readonly parentKeyId: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface User {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly email: string | null;
  readonly createdAt: number;
}

export interface Workspace {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly createdAt: number;
}

export const NO_CAP: ApiKeyCap = Object.freeze({ mini: null, premium: null });
