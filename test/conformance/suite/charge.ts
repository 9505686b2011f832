import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

export function chargeSuite(h: StoreHarness): void {
  describe(`${h.name}: charge`, () => {
    const world = useWorld(h);

    it('4 remaining and cost 4 → allowed, and used equals the limit', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 12 } } });
      for (let i = 0; i < 2; i++) expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      const last = await w.meter.charge(context, 'add_memory_v1');
      expect(last.allowed).toBe(true);
      expect(await counter(w, 'organization', context.organization.id)).toBe(12);
      const org = last.scopes.find((s) => s.scope === 'organization')!;
      expect(org).toMatchObject({ used: 12, limit: 12, remaining: 0, resetsAtMs: Date.parse('2026-12-01T00:00:00Z') });
    });

    it('3 remaining and cost 4 → refused, and nothing changed', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 11 } } });
      await w.meter.charge(context, 'add_memory_v1');
      await w.meter.charge(context, 'add_memory_v1');
      const refused = await w.meter.charge(context, 'add_memory_v1');
      expect(refused.allowed).toBe(false);
      if (refused.allowed) return;
      expect(refused.status).toBe(429);
      expect(refused.error.code).toBe('QUOTA_EXCEEDED');
      expect(refused.error.details).toMatchObject({ current_count: 8, limit: 11, operation_cost: 4, operation: 'add_memory_v1', scope: 'organization', tier: 'enterprise', is_trial: false });
      expect(refused.error.message).toMatch(/^Interaction limit reached/);
      expect(refused.retryAfterSeconds).toBe((Date.parse('2026-12-01T00:00:00Z') - w.clock.now()) / 1000);
      expect(await counter(w, 'organization', context.organization.id)).toBe(8);
      expect(await counter(w, 'namespace', context.namespace!.id)).toBe(8);
      expect(await counter(w, 'api_key', context.apiKey.id)).toBe(8);
      // A cheaper call still fits.
      expect((await w.meter.charge(context, 'get_memory_v1')).allowed).toBe(true);
      expect(await counter(w, 'organization', context.organization.id)).toBe(9);
    });

    it("a namespace override below the organization's refuses in the namespace scope and leaves the organization's counter alone", async () => {
      const w = world();
      const { context } = await w.tenant({
        organization: { rateLimits: { max_mini_interactions_per_month: 100 } },
        namespace: { rateLimits: { max_mini_interactions_per_month: 6 } },
      });
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      const refused = await w.meter.charge(context, 'add_memory_v1');
      expect(refused.allowed).toBe(false);
      if (!refused.allowed) expect(refused.error.details).toMatchObject({ scope: 'namespace', limit: 6, current_count: 4 });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
      expect(await counter(w, 'namespace', context.namespace!.id)).toBe(4);
    });

    it("a key's own cap refuses that key only", async () => {
      const w = world();
      const { context } = await w.tenant({ key: { monthlyCap: 5 } });
      const other = await w.key(context.organization.id, context.namespace!.id);
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
      const refused = await w.meter.charge(context, 'add_memory_v1');
      expect(refused).toMatchObject({ allowed: false, status: 429, error: { details: { scope: 'api_key', limit: 5, current_count: 4 } } });
      expect((await w.meter.charge(other.context, 'add_memory_v1')).allowed).toBe(true);
      expect(await counter(w, 'organization', context.organization.id)).toBe(8);
      expect(await counter(w, 'api_key', context.apiKey.id)).toBe(4);
    });

    it('a zero-cost operation is recorded as a call with count 0 and never refused by a full quota', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      await w.meter.charge(context, 'add_memory_v1');
      const feedback = await w.meter.charge(context, 'submit_feedback_v1');
      expect(feedback).toMatchObject({ allowed: true, cost: 0 });
      const [record] = await w.store.log.interactions({ organizationId: context.organization.id, apiKeyId: context.apiKey.id }).then((r) => r.filter((x) => x.operation === 'submit_feedback_v1'));
      expect(record).toMatchObject({ count: 0, calls: 1 });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });

    it('a zero-cost operation still needs an acceptable subscription', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { subscription: { status: 'past_due' } } });
      const decision = await w.meter.charge(context, 'submit_feedback_v1');
      expect(decision).toMatchObject({ allowed: false, status: 403, error: { code: 'SUBSCRIPTION_INACTIVE', details: { subscription_status: 'past_due' } } });
    });

    it('metered billing does not refuse past the monthly limit and counts the overage', async () => {
      const w = world();
      const { context } = await w.tenant({
        organization: { planTier: 'developer', subscription: { meteredBilling: true }, rateLimits: { max_mini_interactions_per_month: 6 } },
      });
      const first = await w.meter.charge(context, 'add_memory_v1');
      const second = await w.meter.charge(context, 'add_memory_v1');
      const third = await w.meter.charge(context, 'add_memory_v1');
      expect([first.allowed, second.allowed, third.allowed]).toEqual([true, true, true]);
      expect([first, second, third].map((d) => (d.allowed ? d.overage : -1))).toEqual([0, 2, 4]);
      expect(await counter(w, 'organization', context.organization.id)).toBe(12);
      expect(third.scopes.find((s) => s.scope === 'organization')).toMatchObject({ used: 12, limit: 6, remaining: 0 });
    });
  });

  describe(`${h.name}: charge in two currencies`, () => {
    const world = useWorld(h, { meter: { catalogue: { search_v1: { type: 'premium' } } } });

    it('mini and premium are limited and counted separately', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_premium_interactions_per_month: 2, max_mini_interactions_per_month: 100 } } });
      expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: true, type: 'premium' });
      expect(await w.meter.charge(context, 'search_v1')).toMatchObject({ allowed: true, type: 'premium' });
      const refused = await w.meter.charge(context, 'search_v1');
      expect(refused).toMatchObject({ allowed: false, error: { details: { interaction_type: 'premium', limit: 2 } } });
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, type: 'mini' });
      expect(await counter(w, 'organization', context.organization.id, 'premium')).toBe(2);
      expect(await counter(w, 'organization', context.organization.id, 'mini')).toBe(4);
    });
  });
}
