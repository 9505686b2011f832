/**
 * Issue 20: the boundaries of the rules that decide a charge, each pinned by the value a bill or a
 * client sees. Each case names the mutant of src/core or src/metering it was written to kill.
 */
import { describe, expect, it } from 'vitest';
import { evaluateSlidingWindow, findRefusingLine } from '../../src/core/charge-rules.js';
import { parseConfig } from '../../src/core/config.js';
import { resolveLimits } from '../../src/core/limit-resolution.js';
import { parsePlans } from '../../src/core/plans.js';
import { NO_CAP, type Subscription } from '../../src/core/tenants.js';
import { rateRefusal } from '../../src/metering/refusals.js';
import { systemClock } from '../../src/metering/system-clock.js';
import { subscriptionOf } from '../support/subscription.js';
import { loadDefaultPlans } from '../support/world.js';

const MINUTE = 60_000;
const START = Date.parse('2026-11-15T12:00:00.000Z');

describe('the minute window: Retry-After is the first millisecond a retry passes', () => {
  it("the previous minute's weight fading inside this minute (20 then 0, limit 10, a quarter in: 15,001 ms)", () => {
    const verdict = evaluateSlidingWindow(10, MINUTE, { previous: 20, current: 0 }, START + 15_000);
    expect(verdict).toMatchObject({ allowed: false, remaining: 0, resetAtMs: START + MINUTE, retryAfterMs: 15_001 });
    // And it is exact: a millisecond earlier is still refused, at that instant it passes.
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 20, current: 0 }, START + 30_000).allowed).toBe(false);
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 20, current: 0 }, START + 30_001).allowed).toBe(true);
  });

  it('this minute one call short of the limit: the previous weight must fade to nothing (9 now, 5 before: 18,001 ms)', () => {
    const verdict = evaluateSlidingWindow(10, MINUTE, { previous: 5, current: 9 }, START + 30_000);
    expect(verdict.allowed).toBe(false);
    expect(verdict.retryAfterMs).toBe(18_001);
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 5, current: 9 }, START + 48_001).allowed).toBe(true);
  });

  it('this minute alone past the limit: its own count fades during the next minute (20 now, limit 10: 60,001 ms)', () => {
    const verdict = evaluateSlidingWindow(10, MINUTE, { previous: 0, current: 20 }, START + 30_000);
    expect(verdict.retryAfterMs).toBe(60_001);
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 20, current: 0 }, START + MINUTE + 30_000).allowed).toBe(false);
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 20, current: 0 }, START + MINUTE + 30_001).allowed).toBe(true);
  });

  it('a limit of 0 waits a whole window; the last allowed call leaves 0 remaining', () => {
    expect(evaluateSlidingWindow(0, MINUTE, { previous: 0, current: 0 }, START).retryAfterMs).toBe(MINUTE);
    expect(evaluateSlidingWindow(10, MINUTE, { previous: 0, current: 9 }, START)).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0 });
  });

  it('the 429 says it in whole seconds, rounded up: 15,001 ms is "Retry in 16 s" and Retry-After 16', () => {
    const refusal = rateRefusal('organization', { limit: 10, remaining: 0, resetAtMs: START + MINUTE, retryAfterMs: 15_001 }, 'search_v1');
    expect(refusal.retryAfterSeconds).toBe(16);
    expect(refusal.error.details).toMatchObject({ retry_after_seconds: 16, limit: 10, scope: 'organization', operation: 'search_v1' });
    expect(refusal.error.message).toBe('Rate limit reached: at most 10 calls per minute for this organization. Retry in 16 s.');
    expect(rateRefusal('namespace', { limit: 3, remaining: 0, resetAtMs: 0, retryAfterMs: 1 }, 'x').retryAfterSeconds).toBe(1);
  });
});

describe('monthly lines', () => {
  it('a call that costs nothing passes even while a counter is over its limit (a lowered limit, a free operation)', () => {
    expect(findRefusingLine([{ amount: 0, limit: 5 }], [7])).toBe(-1);
    expect(findRefusingLine([{ amount: 1, limit: 5 }], [5])).toBe(0);
    expect(findRefusingLine([{ amount: 1, limit: 5 }], [4])).toBe(-1);
    expect(findRefusingLine([{ amount: 3, limit: null }], [1e12])).toBe(-1);
  });
});

describe('subscriptions and trials', () => {
  const plans = loadDefaultPlans();
  const NOW = Date.parse('2026-11-15T00:00:00Z');
  const subscription = (patch: Partial<Subscription>) => subscriptionOf({ tier: 'growth', ...patch });

  const resolve = (patch: Partial<Subscription>) => resolveLimits(plans, { subscription: subscription(patch), organizationOverrides: {}, namespaceOverrides: null, apiKeyCap: NO_CAP }, NOW);

  it('a key without a cap of its own (NO_CAP) adds no limit of its own', () => {
    const result = resolve({});
    expect(result.ok && result.value.monthly.mini.apiKey).toBeNull();
    expect(result.ok && result.value.monthly.premium.apiKey).toBeNull();
  });

  it('a paid subscription with a trial end left over from its trial runs on its own tier, not "trial ended"', () => {
    const result = resolve({ status: 'active', trialEndsAt: NOW - 86_400_000 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatchObject({ tier: 'growth', isTrial: false });
  });

  it('a trial runs on the trial tier until the instant it ends, and is refused from that instant', () => {
    const running = resolve({ status: 'trialing', trialEndsAt: NOW + 1 });
    expect(running.ok && running.value.tier).toBe('free_trial');
    const ended = resolve({ status: 'trialing', trialEndsAt: NOW });
    expect(ended).toMatchObject({ ok: false, error: { code: 'SUBSCRIPTION_INACTIVE', details: { subscription_status: 'trial_expired' } } });
  });
});

describe('parsers: whole numbers where a fraction means nothing, and every range edge', () => {
  const tier = (patch: Record<string, unknown>) => ({
    max_mini_interactions_per_month: 1,
    max_premium_interactions_per_month: 1,
    max_memory_operations_per_month: 1,
    max_storage_gb: 1,
    max_active_memories: 1,
    rate_limit_per_minute: 1,
    ...patch,
  });
  const problemsOf = (run: () => unknown): string[] => {
    try {
      run();
      return [];
    } catch (error) {
      return (error as { details: { problems: string[] } }).details.problems;
    }
  };

  it('a fractional active-memory or rate limit is refused; fractional gigabytes are fine', () => {
    expect(problemsOf(() => parsePlans({ tiers: { t: tier({ max_active_memories: 2.5 }) }, trial_tier: 't' }))).toEqual([
      'plans.tiers.t.max_active_memories: must be a non-negative whole number or null, got 2.5',
    ]);
    expect(problemsOf(() => parsePlans({ tiers: { t: tier({ rate_limit_per_minute: 0.5 }) }, trial_tier: 't' }))).toHaveLength(1);
    expect(problemsOf(() => parsePlans({ tiers: { t: tier({ max_storage_gb: 0.5 }) }, trial_tier: 't' }))).toEqual([]);
    expect(problemsOf(() => parsePlans({ tiers: { t: tier({ max_storage_gb: -0.5 }) }, trial_tier: 't' }))).toHaveLength(1);
  });

  it('a tier written before max_api_keys existed gets 1,000; an explicit null is unlimited', () => {
    expect(parsePlans({ tiers: { t: tier({}) }, trial_tier: 't' }).tiers.get('t')!.max_api_keys).toBe(1_000);
    expect(parsePlans({ tiers: { t: tier({ max_api_keys: null }) }, trial_tier: 't' }).tiers.get('t')!.max_api_keys).toBeNull();
  });

  const base = { keySecret: 'k'.repeat(32), plans: { tiers: { free_trial: tier({}) } } };
  it('the admin key: 31 characters are refused naming TOLLGATE_ADMIN_KEY, 32 pass', () => {
    expect(problemsOf(() => parseConfig({ ...base, adminKey: 'a'.repeat(31) }))).toEqual(['TOLLGATE_ADMIN_KEY (adminKey): must be at least 32 characters, got 31']);
    expect(problemsOf(() => parseConfig({ ...base, adminKey: 'a'.repeat(32) }))).toEqual([]);
  });

  it('integer settings take their edges and refuse one past them', () => {
    expect(parseConfig({ ...base, port: 0 }).port).toBe(0);
    expect(parseConfig({ ...base, port: 65_535 }).port).toBe(65_535);
    expect(problemsOf(() => parseConfig({ ...base, port: 65_536 }))).toHaveLength(1);
    expect(problemsOf(() => parseConfig({ ...base, port: -1 }))).toHaveLength(1);
    expect(problemsOf(() => parseConfig({ ...base, port: 80.5 }))).toHaveLength(1);
    expect(parseConfig({ ...base, memory: { maxContentBytes: 1 } }).memory.maxContentBytes).toBe(1);
    expect(problemsOf(() => parseConfig({ ...base, memory: { maxContentBytes: 0 } }))).toHaveLength(1);
    expect(parseConfig({ ...base, managementCallsPerMinute: 0 }).managementCallsPerMinute).toBe(0);
    expect(problemsOf(() => parseConfig({ ...base, managementCallsPerMinute: -1 }))).toHaveLength(1);
    expect(problemsOf(() => parseConfig({ ...base, keySecret: 'k'.repeat(31) }))).toEqual(['keySecret: must be at least 32 characters']);
  });
});

describe('the system clock', () => {
  it('is the wall clock, in epoch milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
