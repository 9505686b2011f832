import type { InteractionType } from './catalogue.js';
import { TollgateError, fail, ok, type Result } from './errors.js';
import { BILLED_CEILING_FIELDS, type LimitField, type LimitOverrides, type PlanLimits, type Plans } from './plans.js';
import type { ApiKeyCap, Subscription } from './tenants.js';

/** A limit for each scope a call may be checked in; null where that scope has no limit of its own. */
export interface ScopedLimit {
  readonly organization: number | null;
  readonly namespace: number | null;
  readonly apiKey: number | null;
}

/**
 * Calls per minute: the organization's (its override, else its tier's) holds for all its keys and
 * namespaces together; a namespace that sets its own is held to that as well. Null: no such window.
 */
export interface RateLimits {
  readonly organization: number | null;
  readonly namespace: number | null;
}

export interface ResolvedLimits {
  /** The tier whose limits apply (free_trial while trialing). */
  readonly tier: string;
  /** The tier the subscription is on. */
  readonly planTier: string;
  readonly isTrial: boolean;
  readonly meteredBilling: boolean;
  readonly billingAnchorDay: number | null;
  readonly monthly: Readonly<Record<InteractionType, ScopedLimit>>;
  /** Under metered billing, the spending ceiling of each type (included + overage); null: none. */
  readonly billedCeiling: Readonly<Record<InteractionType, number | null>>;
  readonly ratePerMinute: RateLimits;
  readonly activeMemories: ScopedLimit;
  readonly storageBytes: ScopedLimit;
}

export interface LimitSources {
  readonly subscription: Subscription;
  readonly organizationOverrides: LimitOverrides;
  /** Null for calls outside a namespace. */
  readonly namespaceOverrides: LimitOverrides | null;
  readonly apiKeyCap: ApiKeyCap;
}

const REFUSED_STATUSES = new Set(['canceled', 'unpaid', 'past_due', 'paused', 'incomplete', 'incomplete_expired']);
const BYTES_PER_GB = 1024 ** 3;

/**
 * tier → organization overrides → namespace overrides (absent or null inherits) → API key cap.
 * The organization's limit is the tier's unless overridden; the namespace and the key add limits of
 * their own; a call must fit every scope that has one.
 */
export function resolveLimits(plans: Plans, sources: LimitSources, nowMs: number): Result<ResolvedLimits> {
  const { subscription } = sources;
  if (REFUSED_STATUSES.has(subscription.status)) {
    return fail(
      new TollgateError('SUBSCRIPTION_INACTIVE', {
        message: `The subscription is ${subscription.status.replace('_', ' ')}; update billing to resume calls.`,
        details: { subscription_status: subscription.status, tier: subscription.tier },
      }),
    );
  }
  const isTrial = subscription.status === 'trialing';
  if (isTrial && subscription.trialEndsAt !== null && subscription.trialEndsAt <= nowMs) {
    return fail(
      new TollgateError('SUBSCRIPTION_INACTIVE', {
        message: 'The trial has ended; choose a plan to resume calls.',
        details: { subscription_status: 'trial_expired', tier: subscription.tier, trial_ended_at: new Date(subscription.trialEndsAt).toISOString() },
      }),
    );
  }
  const tier = isTrial ? plans.trialTier : subscription.tier;
  const tierLimits = plans.tiers.get(tier);
  if (!tierLimits) {
    return fail(
      new TollgateError('PLAN_UNKNOWN', {
        message: `The plan tier "${tier}" is not configured on this server; ask the operator to add it to plans.yaml.`,
        details: { tier },
      }),
    );
  }
  const organization = (field: LimitField) => pick(sources.organizationOverrides[field], tierLimits[field]);
  const namespace = (field: LimitField) => sources.namespaceOverrides?.[field] ?? null;
  const scoped = (field: LimitField, apiKey: number | null = null, scale = 1): ScopedLimit => ({
    organization: times(organization(field), scale),
    namespace: times(namespace(field), scale),
    apiKey,
  });
  return ok({
    tier,
    planTier: subscription.tier,
    isTrial,
    meteredBilling: subscription.meteredBilling,
    billingAnchorDay: subscription.billingAnchorDay,
    monthly: {
      mini: scoped('max_mini_interactions_per_month', sources.apiKeyCap.mini),
      premium: scoped('max_premium_interactions_per_month', sources.apiKeyCap.premium),
    },
    billedCeiling: { mini: organization(BILLED_CEILING_FIELDS.mini), premium: organization(BILLED_CEILING_FIELDS.premium) },
    ratePerMinute: { organization: organization('rate_limit_per_minute'), namespace: namespace('rate_limit_per_minute') },
    activeMemories: scoped('max_active_memories'),
    storageBytes: scoped('max_storage_gb', null, BYTES_PER_GB),
  });
}

function pick(override: number | null | undefined, fallback: number | null): number | null {
  return override ?? fallback;
}

function times(value: number | null, scale: number): number | null {
  return value === null ? null : Math.round(value * scale);
}

/** The tightest of the limits that apply (null when none does). */
export function tightest(limit: ScopedLimit): number | null {
  const values = [limit.organization, limit.namespace, limit.apiKey].filter((v): v is number => v !== null);
  return values.length === 0 ? null : Math.min(...values);
}

export type { PlanLimits };
