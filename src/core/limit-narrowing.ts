import { LIMIT_FIELDS, type LimitField, type LimitOverrides, type Plans } from './plans.js';
import type { Subscription } from './tenants.js';

const MONTHLY_INTERACTION_FIELDS: ReadonlySet<LimitField> = new Set(['max_mini_interactions_per_month', 'max_premium_interactions_per_month']);

/**
 * The organization's own value of each limit field: its override, else its tier's (the trial tier
 * while trialing); null where nothing limits it. Under metered billing the monthly interaction
 * limits are included amounts, not walls, so nothing above them is raised by a namespace's limit.
 */
export function organizationCeilings(plans: Plans, subscription: Subscription, organizationOverrides: LimitOverrides): Readonly<Record<LimitField, number | null>> {
  const tier = plans.tiers.get(subscription.status === 'trialing' ? plans.trialTier : subscription.tier);
  const ceilings = {} as Record<LimitField, number | null>;
  for (const field of LIMIT_FIELDS) {
    const soft = subscription.meteredBilling && MONTHLY_INTERACTION_FIELDS.has(field);
    ceilings[field] = soft ? null : (organizationOverrides[field] ?? tier?.[field] ?? null);
  }
  return ceilings;
}

/**
 * A namespace's limits may only narrow its organization's: each value must be at or under the
 * organization's (plan tier, then the operator's overrides). Raising a limit is the operator's,
 * through the organization's overrides. Returns one problem per field that would raise one.
 */
export function limitsRaisedAbove(ceilings: Readonly<Record<LimitField, number | null>>, overrides: LimitOverrides, path: string): string[] {
  const problems: string[] = [];
  for (const field of LIMIT_FIELDS) {
    const value = overrides[field];
    const ceiling = ceilings[field];
    if (value === undefined || value === null || ceiling === null || value <= ceiling) continue;
    problems.push(
      `${path}.${field}: ${value} is above the organization's limit of ${ceiling}; a namespace's limits may only narrow the organization's (the operator raises the organization's limit)`,
    );
  }
  return problems;
}
