import { describe, expect, it } from 'vitest';
import type { Decision, TenantContext } from '../../../src/metering/index.js';
import type { World } from '../../support/world.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

/** Zero-cost calls: only the minute windows can refuse them. */
const call = (w: World, context: TenantContext) => w.meter.charge(context, 'submit_feedback_v1');

const refusedFor = (d: Decision) => (d.allowed ? null : d.error.details.scope);

/** What the calls got: how many passed, and whose window refused the others. */
async function tally(w: World, calls: readonly TenantContext[]) {
  const decisions = [];
  for (const context of calls) decisions.push(await call(w, context));
  return { granted: decisions.filter((d) => d.allowed).length, refusedBy: decisions.filter((d) => !d.allowed).map(refusedFor) };
}

export function rateWindowsSuite(h: StoreHarness): void {
  describe(`${h.name}: minute windows of the organization and its namespaces`, () => {
    const world = useWorld(h);

    /** An organization on `planTier` with two namespaces; `rates` sets their own per-minute rates. */
    async function organization(w: World, planTier: string, rates: { first?: number; second?: number } = {}, organizationRate?: number) {
      const org = await w.tenancy.createOrganization({
        name: 'Acme',
        planTier,
        rateLimits: organizationRate === undefined ? {} : { rate_limit_per_minute: organizationRate },
      });
      const [first, second] = await Promise.all(
        (['first', 'second'] as const).map((name) =>
          w.tenancy.createNamespace(org.id, { name, rateLimits: rates[name] === undefined ? {} : { rate_limit_per_minute: rates[name] } }),
        ),
      );
      const key = async (namespaceId: string) => (await w.key(org.id, namespaceId)).context;
      return { org, first: first!, second: second!, key };
    }

    it("three keys of one organization share the plan's rate: 10 a minute on developer, however the 30 calls are spread", async () => {
      const w = world();
      const { first, second, key } = await organization(w, 'developer');
      const keys = [await key(first.id), await key(first.id), await key(second.id)];
      const calls = Array.from({ length: 30 }, (_, i) => keys[i % 3]!);
      const { granted, refusedBy } = await tally(w, calls);
      expect(granted).toBe(10);
      expect(new Set(refusedBy)).toEqual(new Set(['organization']));
      const refused = await call(w, keys[2]!);
      expect(refused).toMatchObject({ allowed: false, status: 429, error: { code: 'RATE_LIMITED', details: { limit: 10, scope: 'organization' } }, rate: { limit: 10, remaining: 0 } });
      expect(refused.allowed ? '' : refused.error.message).toMatch(/at most 10 calls per minute for this organization/);
      // A new key adds nothing.
      expect((await call(w, await key(second.id))).allowed).toBe(false);
      // The next minute, the window slides open for all of them.
      w.clock.advance(120_000);
      expect(await tally(w, keys)).toEqual({ granted: 3, refusedBy: [] });
    });

    it("a namespace with its own narrower rate is held to it, and another namespace still has the rest of the organization's", async () => {
      const w = world();
      const { first, second, key } = await organization(w, 'developer', { first: 3 });
      const slow = await key(first.id);
      const fast = await key(second.id);
      const granted = [];
      for (let i = 0; i < 3; i++) granted.push(await call(w, slow));
      // Each call reports the window with the fewest calls left: the namespace's.
      expect(granted.map((d) => d.rate)).toMatchObject([2, 1, 0].map((remaining) => ({ limit: 3, remaining })));
      const refused = await call(w, slow);
      expect(refused).toMatchObject({ allowed: false, error: { code: 'RATE_LIMITED', details: { limit: 3, scope: 'namespace' } }, rate: { limit: 3, remaining: 0 } });
      expect(refused.allowed ? '' : refused.error.message).toMatch(/at most 3 calls per minute for this namespace/);
      // 10 - 3: the organization's window counted the namespace's calls, and only those it granted.
      const first7 = await call(w, fast);
      expect(first7.rate).toMatchObject({ limit: 10, remaining: 6 });
      expect(await tally(w, Array(7).fill(fast))).toEqual({ granted: 6, refusedBy: ['organization'] });
    });

    it("a call one window refuses counts in none: the namespace's refusals leave the organization's room, and the organization's the namespace's", async () => {
      const w = world();
      const { first, second, key } = await organization(w, 'developer', { first: 2 }, 5);
      const narrow = await key(first.id);
      const other = await key(second.id);
      expect(await tally(w, Array(5).fill(narrow))).toEqual({ granted: 2, refusedBy: ['namespace', 'namespace', 'namespace'] });
      expect(await tally(w, Array(4).fill(other))).toEqual({ granted: 3, refusedBy: ['organization'] });

      // Another organization, its calls in one minute and tried again the next, halfway through, when
      // each window weighs the last minute's calls by half.
      w.clock.set('2026-11-15T12:02:00.000Z');
      const later = await organization(w, 'developer', { first: 2 }, 4);
      const narrowLater = await later.key(later.first.id);
      const otherLater = await later.key(later.second.id);
      expect(await tally(w, [narrowLater, otherLater, otherLater, otherLater])).toEqual({ granted: 4, refusedBy: [] });
      expect(await tally(w, [narrowLater, narrowLater, narrowLater])).toEqual({ granted: 0, refusedBy: ['organization', 'organization', 'organization'] });
      w.clock.set('2026-11-15T12:03:30.000Z');
      // The organization's window holds floor(4 × 0.5) = 2 calls, the namespace's floor(1 × 0.5) = 0:
      // two more fit both. Had the three refused calls counted in the namespace's window, it would
      // hold floor(4 × 0.5) = 2 of its 2, and refuse.
      expect(await tally(w, [narrowLater, narrowLater])).toEqual({ granted: 2, refusedBy: [] });
    });
  });
}
