import { describe, expect, it } from 'vitest';
import { resolveLimits, type LimitSources } from '../../src/core/limit-resolution.js';
import { NO_CAP } from '../../src/core/tenants.js';
import { subscriptionOf } from '../support/subscription.js';
import { loadDefaultPlans } from '../support/world.js';

const plans = loadDefaultPlans();
const NOW = Date.parse('2026-11-15T00:00:00Z');
const subscription = subscriptionOf;
const sources = (patch: Partial<LimitSources> = {}): LimitSources => ({
  subscription: subscription(),
  organizationOverrides: {},
  namespaceOverrides: {},
  apiKeyCap: NO_CAP,
  ...patch,
});

describe('limit resolution', () => {
  it('takes the tier, then organization overrides, then namespace overrides, then the key cap', () => {
    const result = resolveLimits(
      plans,
      sources({
        organizationOverrides: { max_mini_interactions_per_month: 60000, rate_limit_per_minute: 50 },
        namespaceOverrides: { max_mini_interactions_per_month: 100, max_premium_interactions_per_month: null },
        apiKeyCap: { mini: 20, premium: null },
      }),
      NOW,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.monthly.mini).toEqual({ organization: 60000, namespace: 100, apiKey: 20 });
    // null in a namespace inherits: the namespace has no limit of its own, the organization's applies.
    expect(result.value.monthly.premium).toEqual({ organization: 500, namespace: null, apiKey: null });
    expect(result.value.ratePerMinute).toEqual({ organization: 50, namespace: null });
    expect(result.value.storageBytes.organization).toBe(10 * 1024 ** 3);
  });

  it('the organization keeps its per-minute rate beside a namespace that sets its own; null inherits', () => {
    const pick = (ns: number | null) =>
      resolveLimits(plans, sources({ organizationOverrides: { rate_limit_per_minute: 50 }, namespaceOverrides: { rate_limit_per_minute: ns } }), NOW);
    expect(pick(5)).toMatchObject({ ok: true, value: { ratePerMinute: { organization: 50, namespace: 5 } } });
    expect(pick(null)).toMatchObject({ ok: true, value: { ratePerMinute: { organization: 50, namespace: null } } });
    // Without an override, the tier's (starter: 30 a minute).
    expect(resolveLimits(plans, sources(), NOW)).toMatchObject({ ok: true, value: { ratePerMinute: { organization: 30, namespace: null } } });
  });

  it('a trialing subscription uses free_trial', () => {
    const result = resolveLimits(plans, sources({ subscription: subscription({ status: 'trialing', trialEndsAt: NOW + 1000 }) }), NOW);
    expect(result).toMatchObject({ ok: true, value: { tier: 'free_trial', planTier: 'starter', isTrial: true } });
    if (result.ok) expect(result.value.monthly.mini.organization).toBe(2500);
  });

  it('a trial that has ended is refused', () => {
    const result = resolveLimits(plans, sources({ subscription: subscription({ status: 'trialing', trialEndsAt: NOW }) }), NOW);
    expect(result).toMatchObject({ ok: false, error: { code: 'SUBSCRIPTION_INACTIVE', status: 403, details: { subscription_status: 'trial_expired' } } });
  });

  it.each(['canceled', 'unpaid', 'past_due', 'paused', 'incomplete', 'incomplete_expired'] as const)('%s is refused with 403 and its status', (status) => {
    const result = resolveLimits(plans, sources({ subscription: subscription({ status }) }), NOW);
    expect(result).toMatchObject({ ok: false, error: { code: 'SUBSCRIPTION_INACTIVE', status: 403, details: { subscription_status: status } } });
  });

  it('an unknown tier is an error, never unlimited', () => {
    const result = resolveLimits(plans, sources({ subscription: subscription({ tier: 'platinum' }) }), NOW);
    expect(result).toMatchObject({ ok: false, error: { code: 'PLAN_UNKNOWN', details: { tier: 'platinum' } } });
  });

  it('carries the metered billing flag', () => {
    const result = resolveLimits(plans, sources({ subscription: subscription({ meteredBilling: true }) }), NOW);
    expect(result).toMatchObject({ ok: true, value: { meteredBilling: true } });
  });
});
