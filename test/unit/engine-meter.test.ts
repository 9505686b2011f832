/**
 * Issue 20: what the meter itself decides, on the RAM store — the answers a caller, a bill and an
 * operator see for the unusual cases: a store that cannot be reached, an unknown operation, an
 * Idempotency-Key reused for another request, a refund given twice, refusals before the counters
 * and how they are recorded, and what createMeter accepts as plans, catalogue and key secret.
 */
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../../src/core/catalogue.js';
import { TollgateError } from '../../src/core/errors.js';
import { silentLogger, type Clock, type Logger } from '../../src/core/ports.js';
import { createMeter, type Meter, type MeterOptions } from '../../src/metering/index.js';
import type { QuotaLedger, Store, TenantDirectory } from '../../src/stores/contract/index.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { manualClock } from '../support/clock.js';
import { TEST_KEY_SECRET, loadDefaultPlans, type World } from '../support/world.js';
import { closeAfterEach, closeLater, ramWorld } from './engine-world.js';

closeAfterEach();
const world = ramWorld;

/** Every method of a real object, with some replaced. */
function around<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(t, p) {
      if (p in replaced) return (replaced as Record<PropertyKey, unknown>)[p];
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** A second meter over the world's store (its tenants), with a ledger or directory changed. */
function meterOver(w: World, o: { ledger?: Partial<QuotaLedger>; directory?: Partial<TenantDirectory> } & Partial<MeterOptions> = {}): Meter {
  const { ledger, directory, ...rest } = o;
  const store: Pick<Store, 'ledger' | 'directory'> = {
    ledger: around(w.store.ledger, ledger ?? {}),
    directory: around(w.store.directory, directory ?? {}),
  };
  const meter = createMeter({ store, plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, clock: w.clock as Clock, ...rest });
  closeLater(meter);
  return meter;
}

const unavailable = () => new TollgateError('STORE_UNAVAILABLE', { message: 'connection refused' });
const capture = () => {
  const lines: { level: string; obj: unknown; msg: unknown }[] = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (obj: unknown, msg?: unknown) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: unknown, msg?: unknown) => void lines.push({ level: 'error', obj, msg }),
  } as Logger;
  return { lines, logger };
};

describe('a usage store that cannot be reached', () => {
  it('refuses the call with 503, retry after 1 s, and logs it for the operator', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'growth' } });
    const { lines, logger } = capture();
    const meter = meterOver(w, { ledger: { charge: async () => Promise.reject(unavailable()) }, logger });
    const decision = await meter.charge(context, 'search_v1');
    expect(decision).toMatchObject({
      allowed: false,
      status: 503,
      operation: 'search_v1',
      type: 'mini',
      tier: 'growth',
      isTrial: false,
      retryAfterSeconds: 1,
      scopes: [],
      rate: null,
    });
    if (decision.allowed) throw new Error('granted');
    expect(decision.error.code).toBe('STORE_UNAVAILABLE');
    expect(decision.error.message).toBe('The usage store cannot be reached, so this call cannot be metered; retry shortly.');
    expect(decision.error.details).toEqual({ error: 'usage_store_unavailable', retry_after_seconds: 1 });
    expect((decision.error as Error).cause).toBeInstanceOf(TollgateError);
    expect(lines).toEqual([{ level: 'error', obj: expect.objectContaining({ operation: 'search_v1', organization_id: context.organization.id }), msg: 'usage store unavailable' }]);
  });

  it('with fail-open, grants the call uncounted: no receipt, nothing to refund', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const meter = meterOver(w, { ledger: { charge: async () => Promise.reject(unavailable()) }, metering: { failOpen: true } });
    const decision = await meter.charge(context, 'search_v1');
    expect(decision).toMatchObject({ allowed: true, status: 200, failOpen: true, replayed: false, overage: 0, receipt: null, scopes: [], rate: null, operation: 'search_v1' });
  });

  it('any other failure of the store is thrown, not turned into a refusal', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const meter = meterOver(w, { ledger: { charge: async () => Promise.reject(new TollgateError('INTERNAL')) }, metering: { failOpen: true } });
    await expect(meter.charge(context, 'search_v1')).rejects.toMatchObject({ code: 'INTERNAL' });
    const plain = meterOver(w, { ledger: { charge: async () => Promise.reject(new Error('boom')) }, metering: { failOpen: true } });
    await expect(plain.charge(context, 'search_v1')).rejects.toThrow('boom');
  });

  it('a granted call is never marked fail-open when the store answered', async () => {
    const w = await world();
    const { context } = await w.tenant();
    expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: true, failOpen: false, replayed: false });
  });
});

describe('calls refused before any counter', () => {
  it('an unknown operation is refused with 404 and nothing is counted', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'growth' } });
    const decision = await w.meter.charge(context, 'no_such_operation_v1');
    expect(decision).toMatchObject({ allowed: false, status: 404, operation: 'no_such_operation_v1', type: null, cost: 0, tier: null, isTrial: false, period: null, scopes: [], retryAfterSeconds: null });
    if (decision.allowed) throw new Error('granted');
    expect(decision.error.code).toBe('UNKNOWN_OPERATION');
    const day = '2026-11-15';
    expect(await w.store.log.rollups({ organizationId: context.organization.id, fromDay: day, toDay: day })).toEqual([]);
  });

  it('a batch outside its bounds is refused with 400 and the bounds', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const decision = await w.meter.charge(context, 'add_memory_batch_v1', { parameters: { itemCount: 51 } });
    expect(decision).toMatchObject({ allowed: false, status: 400, error: { code: 'INVALID_BATCH_SIZE', details: { items: 51, min_items: 1, max_items: 50 } } });
  });

  it('an inactive subscription is refused with its tier, not as a trial, and recorded as subscription:<status>', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'growth', subscription: { status: 'past_due' } } });
    const decision = await w.meter.charge(context, 'search_v1');
    expect(decision).toMatchObject({ allowed: false, status: 403, operation: 'search_v1', type: null, tier: 'growth', isTrial: false, period: null, retryAfterSeconds: null });
    const day = '2026-11-15';
    const refusals = await w.store.log.refusals({ organizationId: context.organization.id, fromDay: day, toDay: day });
    expect(refusals.map((r) => [r.reason, r.count, r.operation])).toEqual([['subscription:past_due', 1, 'search_v1']]);
  });

  it('a plan tier the server does not know is refused with that tier and recorded as plan_unknown', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'growth' } });
    const defaults = loadDefaultPlans();
    const plans = { ...defaults, tiers: new Map([...defaults.tiers].filter(([tier]) => tier !== 'growth')) };
    const meter = meterOver(w, { plans });
    const decision = await meter.charge(context, 'search_v1');
    expect(decision).toMatchObject({ allowed: false, status: 403, tier: 'growth', error: { code: 'PLAN_UNKNOWN' } });
    const day = '2026-11-15';
    const refusals = await w.store.log.refusals({ organizationId: context.organization.id, fromDay: day, toDay: day });
    expect(refusals.map((r) => r.reason)).toEqual(['plan_unknown']);
  });

  it('a refusal the store cannot record is logged, and the call is still refused', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { subscription: { status: 'canceled' } } });
    const { lines, logger } = capture();
    const meter = meterOver(w, { ledger: { recordRefusal: async () => Promise.reject(new Error('disk full')) }, logger });
    expect(await meter.charge(context, 'search_v1')).toMatchObject({ allowed: false, status: 403 });
    expect(lines).toEqual([{ level: 'warn', obj: expect.objectContaining({ reason: 'subscription:canceled' }), msg: 'could not record a refused call' }]);
  });
});

describe('Idempotency-Key', () => {
  it('the same key for a different request is a 409 naming the key', async () => {
    const w = await world();
    const { context } = await w.tenant();
    expect(await w.meter.charge(context, 'search_v1', { idempotencyKey: 'order-7' })).toMatchObject({ allowed: true });
    const decision = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'order-7' });
    if (decision.allowed) throw new Error('granted');
    expect(decision.status).toBe(409);
    expect(decision.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(decision.error.message).toBe('The Idempotency-Key "order-7" was already used for a different request; use a new key.');
    expect(decision.error.details).toEqual({ idempotency_key: 'order-7' });
  });
});

describe('refunds', () => {
  it('refunding the same decision twice gives the charge back once', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'developer' } });
    let refunds = 0;
    const meter = meterOver(w, {
      ledger: {
        refund: async (r) => {
          refunds++;
          return w.store.ledger.refund(r);
        },
      },
    });
    const decision = await meter.charge(context, 'search_v1');
    await meter.refund(decision);
    await meter.refund(decision);
    expect(refunds).toBe(1);
    const next = await meter.charge(context, 'search_v1');
    expect(next.scopes.find((s) => s.scope === 'organization')).toMatchObject({ used: 1, limit: 1000, remaining: 999 });
  });
});

describe('what a decision reports', () => {
  it('a scope without a limit has no remaining count', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'enterprise' } });
    const decision = await w.meter.charge(context, 'search_v1');
    expect(decision.scopes.find((s) => s.scope === 'organization')).toMatchObject({ used: 1, limit: null, remaining: null });
  });

  it('every decision goes to onDecision with how long it took', async () => {
    const w = await world();
    const { context } = await w.tenant();
    const seen: [boolean, number][] = [];
    const meter = meterOver(w, { onDecision: (d, ms) => void seen.push([d.allowed, ms]) });
    const before = performance.now();
    await meter.charge(context, 'search_v1');
    await meter.charge(context, 'nope_v1');
    const elapsed = performance.now() - before;
    expect(seen.map(([allowed]) => allowed)).toEqual([true, false]);
    for (const [, ms] of seen) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(elapsed);
    }
  });
});

describe('days', () => {
  it.each([
    ['a call after the clock was set back is recorded on its own day', '2026-11-16T08:00:00.000Z', '2026-11-15T08:00:00.000Z'],
    ['a call just after midnight, then one at the next midnight, land on their two days', '2026-11-15T00:00:00.001Z', '2026-11-16T00:00:00.000Z'],
  ])('%s', async (_name, first, second) => {
    const w = await world(first);
    const { context } = await w.tenant();
    await w.meter.charge(context, 'search_v1');
    w.clock.set(second);
    await w.meter.charge(context, 'search_v1');
    const rollups = await w.store.log.rollups({ organizationId: context.organization.id, fromDay: '2026-11-15', toDay: '2026-11-16' });
    expect(Object.fromEntries(rollups.map((r) => [r.day, r.calls]))).toEqual({ '2026-11-15': 1, '2026-11-16': 1 });
  });
});

describe('last use of a key', () => {
  it('authenticating writes the key’s last use, at the latest when the meter closes', async () => {
    const w = await world();
    const { key, context } = await w.tenant();
    const touched: string[] = [];
    const meter = meterOver(w, {
      directory: {
        touchApiKeys: async (touches) => {
          touched.push(...touches.map((t) => t.id));
        },
      },
    });
    const result = await meter.authenticate(key);
    expect(result.ok).toBe(true);
    await meter.close();
    expect(touched).toEqual([context.apiKey.id]);
    const failed = await meter.authenticate('tg_not_a_key');
    expect(failed.ok).toBe(false);
  });

  it('closing the meter stops watching the directory for changes', async () => {
    const w = await world();
    let watching = 0;
    const meter = meterOver(w, {
      directory: {
        watch: () => {
          watching++;
          return () => void watching--;
        },
      },
    });
    expect(watching).toBe(1);
    await meter.close();
    expect(watching).toBe(0);
  });
});

describe('what a tenant may hold', () => {
  it('comes from its plan, and an inactive subscription has no holding limits but its refusal', async () => {
    const w = await world();
    const { context } = await w.tenant({ organization: { planTier: 'developer' }, namespace: { rateLimits: { max_active_memories: 100 } } });
    expect(w.meter.holdingLimits(context)).toEqual({
      ok: true,
      value: { organization: { memories: 2500, bytes: 1024 ** 3 }, namespace: { memories: 100, bytes: null }, tier: 'developer', isTrial: false },
    });
    const inactive = await w.tenant({ organization: { subscription: { status: 'unpaid' } } });
    expect(w.meter.holdingLimits(inactive.context)).toMatchObject({ ok: false, error: { code: 'SUBSCRIPTION_INACTIVE' } });
  });
});

describe('createMeter', () => {
  const store = () => createRamStore({ clock: manualClock() });
  const plansYaml = () => parseYaml(readFileSync(new URL('../../config/plans.yaml', import.meta.url), 'utf8')) as unknown;

  it('needs a key secret of at least 32 characters', () => {
    const s = store();
    for (const keySecret of ['', 'x'.repeat(31)]) {
      let thrown: unknown;
      try {
        createMeter({ store: s, plans: loadDefaultPlans(), keySecret });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: 'CONFIG_INVALID', details: { problems: ['keySecret: must be at least 32 characters'] } });
      expect((thrown as Error).message).toMatch(/^meter is invalid/);
    }
    expect(() => createMeter({ store: s, plans: loadDefaultPlans(), keySecret: undefined as unknown as string })).toThrow(TollgateError);
    const meter = createMeter({ store: s, plans: loadDefaultPlans(), keySecret: 'x'.repeat(32) });
    closeLater(meter);
  });

  it('takes parsed plans as they are, and validates the content of plans.yaml', () => {
    const parsed = loadDefaultPlans();
    const a = createMeter({ store: store(), plans: parsed, keySecret: TEST_KEY_SECRET });
    closeLater(a);
    expect(a.plans).toBe(parsed);
    const b = createMeter({ store: store(), plans: plansYaml(), keySecret: TEST_KEY_SECRET });
    closeLater(b);
    expect(b.plans.tiers).toBeInstanceOf(Map);
    expect(b.plans.tiers.get('developer')?.max_mini_interactions_per_month).toBe(1000);
    for (const bad of [null, undefined, 'plans', { tiers: {} }]) {
      expect(() => createMeter({ store: store(), plans: bad, keySecret: TEST_KEY_SECRET })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });

  it('takes a catalogue as it is, or overrides applied to the defaults; a bad override is a configuration error', async () => {
    const catalogue = createCatalogue({ search_v1: { cost: { kind: 'fixed', cost: 7 } } });
    const a = createMeter({ store: store(), plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, catalogue });
    closeLater(a);
    expect(a.catalogue).toBe(catalogue);
    const b = createMeter({ store: store(), plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, catalogue: { search_v1: { cost: 3 } } as never });
    closeLater(b);
    expect(b.catalogue.get('search_v1')?.cost).toEqual({ kind: 'fixed', cost: 3 });
    // Something with get() but not names() is not a catalogue: it is read as overrides, and "get" is no override.
    expect(() => createMeter({ store: store(), plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, catalogue: { get: () => undefined } as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    let thrown: unknown;
    try {
      createMeter({ store: store(), plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, catalogue: { search_v1: { cost: -1 } } as never });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((thrown as Error).message)).toMatch(/^catalogue is invalid/);
    expect(String((thrown as Error).message)).toContain('operations.search_v1.cost');
    // Nor is something with names() but not get().
    expect(() => createMeter({ store: store(), plans: loadDefaultPlans(), keySecret: TEST_KEY_SECRET, catalogue: { names: () => [] } as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
