import { BILLED_CEILING_FIELDS, LIMIT_FIELDS, type LimitField, type LimitOverrides, type Plans } from './plans.js';
import type { Subscription } from './tenants.js';

const MONTHLY_INTERACTION_FIELDS = { max_mini_interactions_per_month: BILLED_CEILING_FIELDS.mini, max_premium_interactions_per_month: BILLED_CEILING_FIELDS.premium } as const;
const isMonthlyField = (field: LimitField): field is keyof typeof MONTHLY_INTERACTION_FIELDS => field in MONTHLY_INTERACTION_FIELDS;

/**
 * The organization's own value of each limit field: its override, else its tier's (the trial tier
 * while trialing); null where nothing limits it. Under metered billing the monthly interaction
 * limits are included amounts, not walls: what bounds them is the spending ceiling, if one is set.
 */
export function organizationCeilings(plans: Plans, subscription: Subscription, organizationOverrides: LimitOverrides): Readonly<Record<LimitField, number | null>> {
  const tier = plans.tiers.get(subscription.status === 'trialing' ? plans.trialTier : subscription.tier);
  const ceilings = {} as Record<LimitField, number | null>;
  const own = (field: LimitField) => organizationOverrides[field] ?? tier?.[field] ?? null;
  for (const field of LIMIT_FIELDS) ceilings[field] = subscription.meteredBilling && isMonthlyField(field) ? own(MONTHLY_INTERACTION_FIELDS[field]) : own(field);
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

/**
 * A spending ceiling sits above the included amount it bounds (a ceiling below it would refuse
 * usage the plan includes), and only an organization has one. Returns the problems of an
 * organization's overrides (`path` names them); `namespace` true checks a namespace's instead.
 */
export function spendingCeilingProblems(plans: Plans, subscription: Subscription, overrides: LimitOverrides, path: string, namespace = false): string[] {
  const problems: string[] = [];
  const tier = plans.tiers.get(subscription.status === 'trialing' ? plans.trialTier : subscription.tier);
  for (const [included, ceilingField] of Object.entries(MONTHLY_INTERACTION_FIELDS) as [LimitField, LimitField][]) {
    const ceiling = overrides[ceilingField];
    if (ceiling === undefined || ceiling === null) continue;
    if (namespace) {
      problems.push(`${path}.${ceilingField}: a spending ceiling is the organization's, not a namespace's`);
      continue;
    }
    const includedAmount = overrides[included] ?? tier?.[included] ?? null;
    if (includedAmount !== null && ceiling < includedAmount) {
      problems.push(`${path}.${ceilingField}: ${ceiling} is below the ${includedAmount} interactions the plan includes; a spending ceiling bounds what is billed above them`);
    }
  }
  return problems;
}
