import { describe, expect, it } from 'vitest';
import { dayOf } from '../../../src/core/periods.js';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

export function refusedCostsNothingSuite(h: StoreHarness): void {
  describe(`${h.name}: refused calls cost nothing`, () => {
    const world = useWorld(h);

    it('a refused call changes no counter and is recorded as refused in the daily rollup', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      await w.meter.charge(context, 'add_memory_v1');
      for (let i = 0; i < 3; i++) expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(false);
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
      const records = await w.store.log.interactions({ organizationId: context.organization.id });
      expect(records.map((r) => [r.operation, r.count, r.calls])).toEqual([['add_memory_v1', 4, 1]]);
      const day = dayOf(w.clock.now());
      const rollups = await w.store.log.rollups({ organizationId: context.organization.id, fromDay: day, toDay: day });
      expect(rollups).toHaveLength(1);
      expect(rollups[0]).toMatchObject({ count: 4, calls: 1, refused: 3, refunded: 0 });
    });

    it('a call refused by the minute window costs nothing in the month, and one refused by the month costs nothing in the window', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { rate_limit_per_minute: 3, max_mini_interactions_per_month: 8 } } });
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      // Month full: this refusal must not use up the minute window's third call.
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: false, error: { code: 'QUOTA_EXCEEDED' } });
      const third = await w.meter.charge(context, 'submit_feedback_v1');
      expect(third).toMatchObject({ allowed: true, rate: { limit: 3, remaining: 0 } });
      const rateRefused = await w.meter.charge(context, 'get_memory_v1');
      expect(rateRefused).toMatchObject({ allowed: false, status: 429, error: { code: 'RATE_LIMITED' } });
      expect(rateRefused.allowed ? 0 : rateRefused.retryAfterSeconds).toBeGreaterThan(0);
      expect(await counter(w, 'organization', context.organization.id)).toBe(8);
    });

    it('refusals are kept by reason: quota, rate, a holding the handler found full, and subscriptions refused before the counters', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4, rate_limit_per_minute: 3 } } });
      const day = dayOf(w.clock.now());
      // The memory store refused the write this charge was for: given back, and counted as refused.
      await w.meter.refund(await w.meter.charge(context, 'add_memory_v1'), 'active_memories:organization');
      await w.meter.charge(context, 'add_memory_v1');
      await w.meter.charge(context, 'add_memory_v1');
      // Refused calls do not use up the window, refunded ones do: this is its 3rd call, then one too many.
      await w.meter.charge(context, 'submit_feedback_v1');
      await w.meter.charge(context, 'submit_feedback_v1');
      const pastDue = await w.tenant({ organization: { subscription: { status: 'past_due' } } });
      await w.meter.charge(pastDue.context, 'search_v1');
      const reasons = async (organizationId: string) =>
        Object.fromEntries((await w.store.log.refusals({ organizationId, fromDay: day, toDay: day })).map((r) => [`${r.operation} ${r.reason}`, r.count]));
      expect(await reasons(context.organization.id)).toEqual({
        'add_memory_v1 active_memories:organization': 1,
        'add_memory_v1 quota:organization': 1,
        'submit_feedback_v1 rate': 1,
      });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
      expect(await reasons(pastDue.context.organization.id)).toEqual({ 'search_v1 subscription:past_due': 1 });
      const [rollup] = await w.store.log.rollups({ organizationId: pastDue.context.organization.id, fromDay: day, toDay: day });
      expect(rollup).toMatchObject({ operation: 'search_v1', count: 0, calls: 0, refused: 1 });
    });

    it('events record refusals with their reason where the store keeps events', async () => {
      const w = world();
      if (!w.store.capabilities.events) {
        console.log(`${h.name}: events are off for this store; the event check is skipped (capabilities.events = false)`);
        return;
      }
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      await w.meter.charge(context, 'add_memory_v1');
      await w.meter.charge(context, 'add_memory_v1');
      const events = await w.store.log.events({ organizationId: context.organization.id, fromMs: 0, toMs: w.clock.now() + 1, limit: 10 });
      expect(events.map((e) => [e.outcome, e.reason, e.cost])).toEqual([
        ['granted', null, 4],
        ['refused', 'quota:organization', 4],
      ]);
    });
  });
}
