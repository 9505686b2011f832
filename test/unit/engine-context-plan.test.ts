/**
 * Issue 20: what the engine derives from a tenant context and keeps while the context lives — the
 * plan (limits, period, lines, attribution) is built once per context and period, rebuilt when the
 * period rolls over, the clock goes back or a trial ends — and the windows and counters of a call
 * outside any namespace.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_METERING } from '../../src/core/config.js';
import { periodOf } from '../../src/core/periods.js';
import { monthlyLines } from '../../src/metering/charge-lines.js';
import { createPlanCache } from '../../src/metering/context-plan.js';
import { rateWindows } from '../../src/metering/rate-windows.js';
import type { TenantContext } from '../../src/metering/index.js';
import { loadDefaultPlans } from '../support/world.js';
import { closeAfterEach, ramWorld } from './engine-world.js';

closeAfterEach();
const world = ramWorld;

describe('the plan of a context', () => {
  it('is built once per context and period: its lines and attributions are the same objects call after call', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'growth' } });
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const start = Date.parse('2026-11-01T00:00:00.000Z');
    const plan = cache.get(context, start);
    expect(cache.get(context, start)).toBe(plan);
    expect(cache.get(context, start + 1)).toBe(plan);
    expect(cache.get(context, Date.parse('2026-11-30T23:59:59.999Z'))).toBe(plan);
    const lines = plan.lines('mini');
    expect(plan.lines('mini')).toBe(lines);
    const attribution = plan.attribution('search_v1', 'mini');
    expect(plan.attribution('search_v1', 'mini')).toBe(attribution);
    expect(attribution).toEqual({
      organizationId: context.organization.id,
      namespaceId: context.namespace!.id,
      apiKeyId: context.apiKey.id,
      userId: context.apiKey.userId,
      workspaceId: context.organization.workspaceId,
      subscriptionId: context.organization.subscription.id,
      companyId: context.organization.companyId,
      operation: 'search_v1',
      type: 'mini',
    });
    // Another context (the same tenant, authenticated again) has its own plan.
    expect(cache.get({ ...context }, start)).not.toBe(plan);
  });

  it('is rebuilt at the month boundary, and when the clock goes back into the previous month', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const november = cache.get(context, Date.parse('2026-11-30T23:59:59.999Z'));
    const december = cache.get(context, Date.parse('2026-12-01T00:00:00.000Z'));
    expect(november.period.key).toBe('2026-11');
    expect(december.period.key).toBe('2026-12');
    expect(december.lines('mini')[0]!.counter.period).toBe('2026-12');
    const back = cache.get(context, Date.parse('2026-11-30T23:59:59.999Z'));
    expect(back.period.key).toBe('2026-11');
    expect(back.lines('mini')[0]!.counter.period).toBe('2026-11');
  });

  it('a paid subscription with a trial end left over keeps its plan past that date', async () => {
    const w = await world();
    const t = Date.parse('2026-11-15T12:00:00.000Z');
    const { context } = await w.tenant({ organization: { planTier: 'growth', subscription: { status: 'active', trialEndsAt: t + 60_000 } } });
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const plan = cache.get(context, t);
    expect(plan.limits).toMatchObject({ ok: true, value: { tier: 'growth', isTrial: false } });
    expect(cache.get(context, t + 60_000)).toBe(plan);
  });

  it('a trial: the trial plan until its end, then one that refuses, kept from then on', async () => {
    const w = await world();
    const t = Date.parse('2026-11-15T12:00:00.000Z');
    const { context } = await w.tenant({ organization: { planTier: 'growth', subscription: { status: 'trialing', trialEndsAt: t + 60_000 } } });
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const trial = cache.get(context, t);
    expect(trial.limits).toMatchObject({ ok: true, value: { tier: 'free_trial', isTrial: true } });
    expect(cache.get(context, t + 59_999)).toBe(trial);
    const ended = cache.get(context, t + 60_000);
    expect(ended.limits).toMatchObject({ ok: false, error: { code: 'SUBSCRIPTION_INACTIVE' } });
    expect(cache.get(context, t + 60_000)).toBe(ended);
    expect(cache.get(context, t + 120_000)).toBe(ended);
    // A plan that refuses moves no counter.
    expect(ended.lines('mini')).toEqual([]);
  });

  it('a trial already over when first seen is refused, and that plan is kept', async () => {
    const w = await world();
    const t = Date.parse('2026-11-15T12:00:00.000Z');
    const { context } = await w.tenant({ organization: { subscription: { status: 'trialing', trialEndsAt: t + 1 } } });
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const ended = cache.get(context, t + 1);
    expect(ended.limits.ok).toBe(false);
    expect(cache.get(context, t + 1)).toBe(ended);
    expect(cache.get(context, t + 2)).toBe(ended);
  });
});

describe('a call outside any namespace (an organization key of an organization without one)', () => {
  const withoutNamespace = (context: TenantContext): TenantContext => ({ ...context, namespace: null });

  it('is charged to the organization and the key only, attributed to no namespace', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'developer' }, namespace: { rateLimits: { max_mini_interactions_per_month: 5, rate_limit_per_minute: 3 } } });
    const bare = withoutNamespace(context);
    const decision = await w.meter.charge(bare, 'search_v1');
    expect(decision).toMatchObject({ allowed: true });
    expect(decision.scopes.map((s) => [s.scope, s.limit])).toEqual([
      ['organization', 1000],
      ['api_key', null],
    ]);
    const cache = createPlanCache(loadDefaultPlans(), DEFAULT_METERING);
    const plan = cache.get(bare, w.clock.now());
    expect(plan.attribution('search_v1', 'mini').namespaceId).toBeNull();
    // The namespace's own limits do not apply without the namespace.
    expect(plan.limits).toMatchObject({ ok: true, value: { ratePerMinute: { organization: 10, namespace: null } } });
  });

  it('its counters are the organization’s and the key’s', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const plans = loadDefaultPlans();
    const limits = createPlanCache(plans, DEFAULT_METERING).get(context, w.clock.now()).limits;
    if (!limits.ok) throw limits.error;
    const lines = monthlyLines(withoutNamespace(context), limits.value, 'mini', periodOf(w.clock.now(), null));
    expect(lines.map((l) => l.counter.scope)).toEqual(['organization', 'api_key']);
  });
});

describe('minute windows of a call', () => {
  const context = {
    organization: { id: 'org_1' },
    namespace: { id: 'ns_1' },
    apiKey: { id: 'key_1' },
  } as unknown as TenantContext;

  it('none when neither the organization nor the namespace has one', () => {
    expect(rateWindows(context, { organization: null, namespace: null }, 60_000)).toEqual([]);
  });
  it('the organization’s alone', () => {
    expect(rateWindows(context, { organization: 100, namespace: null }, 60_000)).toEqual([{ scope: 'organization', key: 'org_1', limit: 100, windowMs: 60_000 }]);
  });
  it('the namespace’s alone', () => {
    expect(rateWindows(context, { organization: null, namespace: 5 }, 60_000)).toEqual([{ scope: 'namespace', key: 'ns_1', limit: 5, windowMs: 60_000 }]);
  });
  it('both, the organization’s first', () => {
    expect(rateWindows(context, { organization: 100, namespace: 5 }, 60_000)).toEqual([
      { scope: 'organization', key: 'org_1', limit: 100, windowMs: 60_000 },
      { scope: 'namespace', key: 'ns_1', limit: 5, windowMs: 60_000 },
    ]);
  });
  it('without a namespace, only the organization’s', () => {
    expect(rateWindows({ ...context, namespace: null }, { organization: 100, namespace: 5 }, 60_000)).toEqual([{ scope: 'organization', key: 'org_1', limit: 100, windowMs: 60_000 }]);
  });
});
