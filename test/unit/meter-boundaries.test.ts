/**
 * Issue 20: the meter's own boundaries (in memory, on the RAM store): metered billing beside a
 * namespace's limit, the cached plan at the instant a trial ends, a charge at midnight UTC, and
 * how last use of a key is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports.js';
import { createKeyToucher } from '../../src/metering/key-touch.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import type { TenantDirectory } from '../../src/stores/contract/index.js';
import { manualClock } from '../support/clock.js';
import { createWorld, type World } from '../support/world.js';

let w: World | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});
const world = async (start = '2026-11-15T12:00:00.000Z') => {
  const clock = manualClock(start);
  w = await createWorld(createRamStore({ clock }), { clock });
  return w;
};

describe('metered billing', () => {
  it("the organization's limit becomes an included amount, while a namespace's limit still refuses", async () => {
    const w = await world();
    const { context } = await w.tenant({
      organization: { planTier: 'developer', subscription: { meteredBilling: true }, rateLimits: { max_mini_interactions_per_month: 4, rate_limit_per_minute: 1_000 } },
      namespace: { rateLimits: { max_mini_interactions_per_month: 12 } },
    });
    const first = await w.meter.charge(context, 'add_memory_v1');
    expect(first).toMatchObject({ allowed: true, overage: 0 });
    // Past the included 4: granted, and the 4 over are overage.
    expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, overage: 4 });
    expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, overage: 4 });
    // The namespace's 12 is a wall the customer set: the fourth add is refused by it.
    const fourth = await w.meter.charge(context, 'add_memory_v1');
    expect(fourth).toMatchObject({ allowed: false, status: 429, error: { code: 'QUOTA_EXCEEDED', details: { scope: 'namespace', limit: 12, current_count: 12 } } });
  });
});

describe('the cached plan', () => {
  it('serves the trial tier until the instant the trial ends, then refuses from that instant, for the same authenticated context', async () => {
    const w = await world();
    const endsAt = w.clock.now() + 60_000;
    const { context } = await w.tenant({ organization: { planTier: 'growth', subscription: { status: 'trialing', trialEndsAt: endsAt } } });
    w.clock.set(endsAt - 1);
    expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: true, tier: 'free_trial', isTrial: true });
    w.clock.set(endsAt);
    expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: false, status: 403, error: { code: 'SUBSCRIPTION_INACTIVE', details: { subscription_status: 'trial_expired' } } });
  });
});

describe('days', () => {
  it('a charge at exactly 00:00:00.000 UTC counts on the new day, one a millisecond before on the old one', async () => {
    const w = await world('2026-11-15T23:59:59.999Z');
    const { context } = await w.tenant();
    await w.meter.charge(context, 'search_v1');
    w.clock.set('2026-11-16T00:00:00.000Z');
    await w.meter.charge(context, 'search_v1');
    await w.meter.charge(context, 'search_v1');
    const rollups = await w.store.log.rollups({ organizationId: context.organization.id, fromDay: '2026-11-15', toDay: '2026-11-16' });
    expect(Object.fromEntries(rollups.map((r) => [r.day, r.calls]))).toEqual({ '2026-11-15': 1, '2026-11-16': 2 });
  });
});

describe('last use of a key', () => {
  const recorder = () => {
    const writes: { id: string; atMs: number }[][] = [];
    let failNext = false;
    const directory = {
      async touchApiKeys(touches: readonly { id: string; atMs: number }[]) {
        if (failNext) {
          failNext = false;
          throw new Error('store down');
        }
        writes.push([...touches]);
      },
    } as unknown as TenantDirectory;
    return { writes, directory, failOnce: () => (failNext = true) };
  };

  it('is written at most once per interval per key, the keys of a moment together, and what is pending on close', async () => {
    const clock = manualClock();
    const r = recorder();
    const warnings: unknown[] = [];
    const toucher = createKeyToucher({ directory: r.directory, clock, intervalMs: 60_000, logger: { ...silentLogger, warn: (o: unknown) => warnings.push(o) } });
    toucher.touch('key_a');
    toucher.touch('key_b');
    toucher.touch('key_a');
    await toucher.close();
    expect(r.writes).toEqual([
      [
        { id: 'key_a', atMs: clock.now() },
        { id: 'key_b', atMs: clock.now() },
      ],
    ]);
    // Within the interval nothing more is written; exactly at its end, the new use is.
    clock.advance(59_999);
    toucher.touch('key_a');
    await toucher.close();
    expect(r.writes).toHaveLength(1);
    clock.advance(1);
    toucher.touch('key_a');
    await toucher.close();
    expect(r.writes[1]).toEqual([{ id: 'key_a', atMs: clock.now() }]);
    // A failed write is logged, never thrown into the call that touched the key.
    clock.advance(60_000);
    r.failOnce();
    toucher.touch('key_b');
    await expect(toucher.close()).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('flushes on its own within a second, without waiting for close', async () => {
    const r = recorder();
    const toucher = createKeyToucher({ directory: r.directory, clock: manualClock(), intervalMs: 60_000, logger: silentLogger });
    toucher.touch('key_c');
    await expect.poll(() => r.writes.length, { timeout: 2_000, interval: 50 }).toBe(1);
    await toucher.close();
  });
});
