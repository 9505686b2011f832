import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { manualClock } from '../../support/clock.js';
import { counter, useWorld } from './context.js';

export function periodsSuite(h: StoreHarness): void {
  describe(`${h.name}: periods`, () => {
    const clock = manualClock('2026-11-30T23:59:59.000Z');
    const world = useWorld(h, { clock });

    it('a full month refuses at 23:59:59.999 UTC and the next month starts empty at 00:00', async () => {
      clock.set('2026-11-30T23:59:59.000Z');
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      clock.set('2026-11-30T23:59:59.999Z');
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(false);
      clock.set('2026-12-01T00:00:00.000Z');
      const december = await w.meter.charge(context, 'add_memory_v1');
      expect(december).toMatchObject({ allowed: true, period: { key: '2026-12' } });
      expect(await counter(w, 'organization', context.organization.id, 'mini', '2026-11')).toBe(4);
      expect(await counter(w, 'organization', context.organization.id, 'mini', '2026-12')).toBe(4);
      const records = await w.store.log.interactions({ organizationId: context.organization.id });
      expect(records.map((r) => [r.year, r.month, r.count]).sort()).toEqual([
        [2026, 11, 4],
        [2026, 12, 4],
      ]);
    });

    it('a billing cycle anchored on the 31st rolls over on the last day of February', async () => {
      clock.set('2027-02-27T12:00:00.000Z');
      const w = world();
      const { context } = await w.tenant({
        organization: { subscription: { billingAnchorDay: 31 }, rateLimits: { max_mini_interactions_per_month: 4 } },
      });
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, period: { key: '2027-01-31' } });
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(false);
      clock.set('2027-02-28T00:00:00.000Z');
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, period: { key: '2027-02-28', month: 2, year: 2027 } });
    });
  });
}
