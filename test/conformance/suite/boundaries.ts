import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

/**
 * Issue 20: the boundaries of src/core/charge-rules.ts that the stores deciding in SQL or Lua
 * implement again, where mutation testing cannot reach them: each pinned here by its value, on
 * every store.
 */
export function boundariesSuite(h: StoreHarness): void {
  describe(`${h.name}: boundaries of the rules`, () => {
    const world = useWorld(h);

    it('a counter over a limit lowered since: a zero-cost call passes, a call of 1 is refused, the counter stays', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 8, rate_limit_per_minute: 1_000 } } });
      await w.meter.charge(context, 'add_memory_v1');
      await w.meter.charge(context, 'add_memory_v1');
      await w.tenancy.updateOrganization(context.organization.id, { rateLimits: { max_mini_interactions_per_month: 4, rate_limit_per_minute: 1_000 } });
      const lowered = await w.authenticate((await w.key(context.organization.id, context.namespace!.id)).key);
      expect(await w.meter.charge(lowered, 'submit_feedback_v1')).toMatchObject({ allowed: true, cost: 0 });
      expect(await w.meter.charge(lowered, 'get_memory_v1')).toMatchObject({ allowed: false, error: { code: 'QUOTA_EXCEEDED', details: { current_count: 8, limit: 4 } } });
      expect(await counter(w, 'organization', context.organization.id)).toBe(8);
    });

    it('Retry-After of the minute window, to the millisecond: a full minute waits for its own count to fade (45,001 ms), then the last minute\'s weight (5,001 ms)', async () => {
      const w = world();
      const start = w.clock.now();
      expect(start % 60_000).toBe(0);
      const { context } = await w.tenant({ organization: { rateLimits: { rate_limit_per_minute: 3 } } });
      for (let i = 0; i < 3; i++) expect((await w.meter.charge(context, 'search_v1')).allowed).toBe(true);
      w.clock.set(start + 15_000);
      const full = await w.meter.charge(context, 'search_v1');
      expect(full).toMatchObject({ allowed: false, retryAfterSeconds: 46, rate: { limit: 3, remaining: 0, retryAfterMs: 45_001, resetAtMs: start + 60_000 } });
      // A quarter into the next minute 3 × 0.75 = 2.25 of the last minute still counts: one call fits.
      w.clock.set(start + 75_000);
      expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: true, rate: { remaining: 0 } });
      const fading = await w.meter.charge(context, 'search_v1');
      expect(fading).toMatchObject({ allowed: false, retryAfterSeconds: 6, rate: { retryAfterMs: 5_001 } });
      w.clock.set(start + 80_000);
      expect((await w.meter.charge(context, 'search_v1')).allowed).toBe(false);
      w.clock.set(start + 80_001);
      expect((await w.meter.charge(context, 'search_v1')).allowed).toBe(true);
    });
  });
}
