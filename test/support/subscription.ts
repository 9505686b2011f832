import type { Subscription } from '../../src/core/tenants.js';

/** A subscription for pure-rule tests: active on `starter` unless patched. */
export function subscriptionOf(patch: Partial<Subscription> = {}): Subscription {
  return {
    id: 'sub_1',
    tier: 'starter',
    status: 'active',
    trialEndsAt: null,
    meteredBilling: false,
    billingCustomerId: null,
    billingAnchorDay: null,
    enforcement: null,
    ...patch,
  };
}
