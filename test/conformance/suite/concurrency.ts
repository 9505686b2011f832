import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

export function concurrencySuite(h: StoreHarness): void {
  describe(`${h.name}: concurrency`, () => {
    const world = useWorld(h);

    it('parallel charges summing past the limit: granted costs equal the counter, which stops at the limit', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 1000, rate_limit_per_minute: 1_000_000 } } });
      const operations = ['add_memory_v1', 'search_v1', 'get_sync_tiers', 'get_memory_v1'];
      const decisions = await Promise.all(Array.from({ length: 1200 }, (_, i) => w.meter.charge(context, operations[i % 4]!)));
      const granted = decisions.filter((d) => d.allowed);
      const grantedCost = granted.reduce((s, d) => s + d.cost, 0);
      const used = await counter(w, 'organization', context.organization.id);
      expect(used).toBe(grantedCost);
      expect(used).toBeLessThanOrEqual(1000);
      // 1200 calls average 2.25 each: the limit runs out part way, and only then are calls refused.
      expect(granted.length).toBeGreaterThan(400);
      expect(decisions.length - granted.length).toBeGreaterThan(0);
      for (const d of decisions) if (!d.allowed) expect(d.error.code).toBe('QUOTA_EXCEEDED');
      // Calls are refused only once the limit is (nearly) used up: less than the dearest call (3) is left.
      expect(1000 - used).toBeLessThan(3);
      const records = await w.store.log.interactions({ organizationId: context.organization.id });
      expect(records.reduce((s, r) => s + r.count, 0)).toBe(used);
      expect(records.reduce((s, r) => s + r.calls, 0)).toBe(granted.length);
    });
  });
}
