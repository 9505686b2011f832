import { describe, expect, it } from 'vitest';
import { parsePlans, LIMIT_FIELDS } from '../../src/core/plans.js';
import { TollgateError } from '../../src/core/errors.js';
import { loadDefaultPlans } from '../support/world.js';

describe('plans', () => {
  it('config/plans.yaml holds every tier of DESIGN §3 with its limits', () => {
    const plans = loadDefaultPlans();
    expect([...plans.tiers.keys()].sort()).toEqual(['business_plus', 'developer', 'enterprise', 'free_trial', 'growth', 'pro', 'starter']);
    expect(plans.trialTier).toBe('free_trial');
    expect(plans.tiers.get('developer')).toMatchObject({
      max_mini_interactions_per_month: 1000,
      max_premium_interactions_per_month: 500,
      max_active_memories: 2500,
      max_storage_gb: 1,
      rate_limit_per_minute: 10,
    });
    expect(plans.tiers.get('starter')).toMatchObject({ max_mini_interactions_per_month: 50000, max_active_memories: 100000, max_storage_gb: 10, rate_limit_per_minute: 30 });
    expect(plans.tiers.get('growth')).toMatchObject({ max_mini_interactions_per_month: 750000, max_active_memories: 1000000, max_storage_gb: 100, rate_limit_per_minute: 100 });
    expect(plans.tiers.get('enterprise')).toMatchObject({ max_mini_interactions_per_month: null, rate_limit_per_minute: 500 });
    expect(plans.tiers.get('free_trial')).toMatchObject({ max_mini_interactions_per_month: 2500, max_premium_interactions_per_month: 500 });
    expect(plans.tiers.get('pro')).toMatchObject({ max_mini_interactions_per_month: 2500, max_premium_interactions_per_month: 500 });
    expect(plans.tiers.get('business_plus')).toMatchObject({ max_mini_interactions_per_month: 5000, max_premium_interactions_per_month: 1000 });
    for (const limits of plans.tiers.values()) expect(Object.keys(limits).sort()).toEqual([...LIMIT_FIELDS].sort());
  });

  it('a bad file is refused with errors that name the tier and the field', () => {
    const full = Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 10]));
    const attempt = () =>
      parsePlans({
        tiers: {
          free_trial: full,
          starter: { ...full, max_mini_interactions_per_month: -5 },
          growth: { ...full, rate_limit_per_minute: 'fast', bonus: 3 },
          tiny: { max_mini_interactions_per_month: 10 },
        },
      });
    expect(attempt).toThrow(TollgateError);
    try {
      attempt();
    } catch (error) {
      const e = error as TollgateError;
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain('plans.tiers.starter.max_mini_interactions_per_month: must be a non-negative whole number or null, got -5');
      expect(e.message).toContain('plans.tiers.growth.rate_limit_per_minute');
      expect(e.message).toContain('plans.tiers.growth.bonus: unknown field');
      expect(e.message).toContain('plans.tiers.tiny.max_storage_gb: missing');
    }
  });

  it('the trial tier must exist', () => {
    expect(() => parsePlans({ tiers: {} })).toThrow(/trial_tier/);
  });
});
