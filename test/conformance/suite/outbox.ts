/**
 * Issue 12: the outbox. A charge writes what it causes (threshold crossings, meter events) in its
 * own transaction; concurrent callers produce each event once; leases keep two dispatchers off one
 * entry; dead letters stay until retried.
 */
import { describe, expect, it } from 'vitest';
import { outboxEventId } from '../../../src/stores/shared/charge-outbox.js';
import type { OutboxEntry, OutboxEvent } from '../../../src/stores/contract/index.js';
import { createWorld, type World } from '../../support/world.js';
import { manualClock } from '../../support/clock.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

let n = 0;

async function endpoint(w: World, organizationId: string, eventTypes: string[] = ['usage.threshold']) {
  const id = `wh_outbox_${Date.now()}_${n++}`;
  await w.store.webhooks.create({ id, organizationId, url: 'https://hooks.example.com/in', eventTypes, sealedSecret: 'v1.a.b.c', createdAt: w.clock.now() });
  return id;
}

const all = (w: World, organizationId: string) => w.store.outbox.list({ organizationId, limit: 1000 });

const event = (organizationId: string, patch: Partial<OutboxEvent> = {}): OutboxEvent => ({
  dedupKey: `test:${organizationId}:${n++}`,
  organizationId,
  topic: 'webhook',
  type: 'key.revoked',
  payload: { api_key_id: 'key_1' },
  atMs: 1_000,
  availableAtMs: 1_000,
  ...patch,
});

export function outboxSuite(h: StoreHarness): void {
  describe(`${h.name}: outbox`, () => {
    const world = useWorld(h);

    it('concurrent charges crossing 80 %, 95 % and 100 % write each threshold once, with the figures of the charge that crossed it', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 100, rate_limit_per_minute: 1_000_000 } } });
      const org = context.organization.id;
      const hook = await endpoint(w, org);
      const decisions = await Promise.all(Array.from({ length: 60 }, () => w.meter.charge(context, 'get_memory_v1')));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
      // get_memory_v1 costs 1: the organization's counter goes 0..60, no threshold yet.
      expect(await all(w, org)).toEqual([]);
      const more = await Promise.all(Array.from({ length: 50 }, () => w.meter.charge(context, 'get_memory_v1')));
      expect(more.filter((d) => d.allowed)).toHaveLength(40);

      const entries = await all(w, org);
      // Three scopes (organization, namespace, key) share the limit of 100 only at the organization;
      // the namespace and key have no limit of their own on this plan, so only the organization reports.
      const thresholds = entries.filter((e) => e.type === 'usage.threshold');
      const byPercent = new Map(thresholds.filter((e) => e.payload.scope === 'organization').map((e) => [e.payload.threshold_percent, e]));
      expect([...byPercent.keys()].sort((a, b) => Number(a) - Number(b))).toEqual([80, 95, 100]);
      expect(thresholds.filter((e) => e.payload.scope === 'organization')).toHaveLength(3);
      for (const [percent, e] of byPercent) {
        expect(e.endpointId).toBe(hook);
        expect(e.state).toBe('pending');
        expect(e.topic).toBe('webhook');
        expect(e.eventId).toBe(outboxEventId(`usage.threshold:${e.payload.period}:organization:${org}:mini:${percent}`));
        expect(e.id).toBe(`${e.eventId}.${hook}`);
        expect(e.payload).toMatchObject({ organization_id: org, scope_id: org, type: 'mini', limit: 100, operation: 'get_memory_v1' });
        // The charge that crossed: from below the point to at or above it, by its cost of 1.
        expect(e.payload.used).toBe(percent);
        expect(e.payload.used_before).toBe(Number(percent) - 1);
      }
    });

    it('writes nothing for an organization without endpoints, nothing for a refused or replayed charge, and no repeat when usage teeters at a threshold', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10, rate_limit_per_minute: 1_000_000 } } });
      const org = context.organization.id;
      for (let i = 0; i < 7; i++) expect((await w.meter.charge(context, 'get_memory_v1')).allowed).toBe(true);
      await endpoint(w, org);
      const first = await w.meter.charge(context, 'get_memory_v1', { idempotencyKey: 'once' });
      expect(first.allowed).toBe(true);
      expect((await all(w, org)).map((e) => e.payload.threshold_percent)).toEqual([80]);
      const replay = await w.meter.charge(context, 'get_memory_v1', { idempotencyKey: 'once' });
      expect(replay.allowed && replay.replayed).toBe(true);
      expect(await all(w, org)).toHaveLength(1);
      // Refunded, then charged again: 80 % is crossed a second time, and not reported twice.
      await w.meter.refund(first);
      expect((await w.meter.charge(context, 'get_memory_v1')).allowed).toBe(true);
      expect(await all(w, org)).toHaveLength(1);
      for (let i = 0; i < 2; i++) await w.meter.charge(context, 'get_memory_v1');
      const refused = await w.meter.charge(context, 'get_memory_v1');
      expect(refused.allowed).toBe(false);
      expect((await all(w, org)).map((e) => Number(e.payload.threshold_percent)).sort((a, b) => a - b)).toEqual([80, 95, 100]);
    });

    it('per call: meters every granted charge of a metered organization with a billing customer, and its refund once', async () => {
      const w = await createWorld(await h.create(manualClock()), { meter: { metering: { meterAggregation: 'per_call' } } });
      try {
        const { context } = await w.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: 'cus_conformance' } } });
        const org = context.organization.id;
        const charged = await w.meter.charge(context, 'add_memory_v1');
        expect(charged.allowed).toBe(true);
        await w.meter.refund(charged);
        await w.meter.refund(charged);
        const meter = (await all(w, org)).filter((e) => e.topic === 'meter');
        expect(meter.map((e) => e.payload.kind).sort()).toEqual(['charge', 'refund']);
        for (const e of meter) {
          expect(e.endpointId).toBeNull();
          expect(e.id).toBe(e.eventId);
          expect(e.type).toBe('mini');
          expect(e.payload).toMatchObject({ customer_id: 'cus_conformance', amount: 4, type: 'mini', charge_id: charged.allowed ? charged.receipt!.id : '' });
        }
        // Another organization without billing writes no meter event.
        const other = await w.tenant();
        await w.meter.charge(other.context, 'add_memory_v1');
        expect((await all(w, other.context.organization.id)).filter((e) => e.topic === 'meter')).toEqual([]);
      } finally {
        await w.close();
      }
    });

    it('per minute: concurrent charges and a refund of one minute are summed into one entry as they are written, until its first send freezes it', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: 'cus_minute' } } });
      const org = context.organization.id;
      const minute = Math.floor(w.clock.now() / 60_000) * 60_000;
      const charged = await Promise.all(Array.from({ length: 20 }, () => w.meter.charge(context, 'add_memory_v1')));
      expect(charged.every((d) => d.allowed)).toBe(true);
      await w.meter.refund(charged[0]!);
      await w.meter.refund(charged[0]!);
      const [sum, ...rest] = (await all(w, org)).filter((e) => e.topic === 'meter');
      expect(rest).toEqual([]);
      expect(sum).toMatchObject({ state: 'pending', attempts: 0, availableAtMs: minute + 65_000, type: 'mini' });
      expect(sum!.payload).toMatchObject({ kind: 'sum', customer_id: 'cus_minute', type: 'mini', amount: 76, at_ms: minute, period: expect.any(String) });
      expect(sum!.payload).not.toHaveProperty('charge_id');
      // Not before its minute is over; then leased, which freezes it: a later charge of the minute goes to an entry of its own.
      expect((await w.store.outbox.lease({ topic: 'meter', owner: 'x', nowMs: minute + 64_999, leaseMs: 1_000, limit: 100 })).filter((e) => e.organizationId === org)).toEqual([]);
      expect((await w.store.outbox.lease({ topic: 'meter', owner: 'x', nowMs: minute + 65_000, leaseMs: 1_000, limit: 100 })).filter((e) => e.organizationId === org)).toHaveLength(1);
      await w.meter.charge(context, 'add_memory_v1');
      const after = (await all(w, org)).filter((e) => e.topic === 'meter');
      expect(after.map((e) => e.payload.amount).sort()).toEqual([4, 76]);
      expect(after.find((e) => e.payload.amount === 4)!.dedupKey).toBe(`${sum!.dedupKey}:late:${after.find((e) => e.payload.amount === 4)!.dedupKey.split(':late:')[1]}`);
    });

    it('enqueue fans a webhook event out to the endpoints that want it and ignores a key written before', async () => {
      const w = world();
      const org = `org_outbox_${n++}`;
      const wants = await endpoint(w, org, ['key.revoked']);
      await endpoint(w, org, ['usage.threshold']);
      const e = event(org);
      expect(await w.store.outbox.enqueue([e])).toBe(1);
      expect(await w.store.outbox.enqueue([e])).toBe(0);
      expect(await w.store.outbox.enqueue([event(`org_none_${n++}`)])).toBe(0);
      const entries = await all(w, org);
      expect(entries.map((x) => x.endpointId)).toEqual([wants]);
      expect(entries[0]).toMatchObject({ eventId: outboxEventId(e.dedupKey), payload: { api_key_id: 'key_1' }, attempts: 0, createdAtMs: 1_000, availableAtMs: 1_000 });
    });

    it('leases each available entry to one owner at a time, counts attempts, and settles only what the owner still holds', async () => {
      const w = world();
      const org = `org_outbox_${n++}`;
      await endpoint(w, org, ['key.revoked']);
      await w.store.outbox.enqueue([event(org, { atMs: 1_000, availableAtMs: 1_000 }), event(org, { atMs: 1_001, availableAtMs: 5_000 })]);
      const lease = { topic: 'webhook' as const, leaseMs: 10_000, limit: 10 };
      const mine = (await w.store.outbox.lease({ ...lease, owner: 'a', nowMs: 2_000 })).filter((e) => e.organizationId === org);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ attempts: 1, leaseOwner: 'a', leaseUntilMs: 12_000 });
      // Held by a: b gets only the entry that became available since.
      const theirs = (await w.store.outbox.lease({ ...lease, owner: 'b', nowMs: 6_000 })).filter((e) => e.organizationId === org);
      expect(theirs.map((e) => e.id)).not.toContain(mine[0]!.id);
      expect(theirs).toHaveLength(1);
      // b cannot settle a's entry.
      expect(await w.store.outbox.settle('b', [{ id: mine[0]!.id, state: 'delivered', atMs: 6_000, status: 200 }])).toBe(0);
      // a's lease runs out: the entry goes to whoever leases next, as a second attempt.
      const again = (await w.store.outbox.lease({ ...lease, owner: 'c', nowMs: 12_000 })).filter((e) => e.organizationId === org);
      expect(again.map((e) => [e.id, e.attempts])).toEqual([[mine[0]!.id, 2]]);
      expect(await w.store.outbox.settle('a', [{ id: mine[0]!.id, state: 'delivered', atMs: 12_000, status: 200 }])).toBe(0);
      expect(await w.store.outbox.settle('c', [{ id: mine[0]!.id, state: 'pending', availableAtMs: 20_000, error: 'HTTP 503', status: 503 }])).toBe(1);
      expect(await w.store.outbox.settle('b', [{ id: theirs[0]!.id, state: 'delivered', atMs: 13_000, status: 204 }])).toBe(1);
      const byId = new Map((await all(w, org)).map((e) => [e.id, e]));
      expect(byId.get(mine[0]!.id)).toMatchObject({ state: 'pending', availableAtMs: 20_000, lastError: 'HTTP 503', lastStatus: 503, leaseOwner: null });
      expect(byId.get(theirs[0]!.id)).toMatchObject({ state: 'delivered', deliveredAtMs: 13_000, lastStatus: 204 });
      expect((await w.store.outbox.lease({ ...lease, owner: 'd', nowMs: 19_999 })).filter((e) => e.organizationId === org)).toEqual([]);
    });

    it('keeps dead letters listed until retried, and retries only failed entries of the organization named', async () => {
      const w = world();
      const org = `org_outbox_${n++}`;
      const other = `org_outbox_${n++}`;
      await endpoint(w, org, ['key.revoked']);
      await endpoint(w, other, ['key.revoked']);
      await w.store.outbox.enqueue([event(org), event(other)]);
      const leased = (await w.store.outbox.lease({ topic: 'webhook', owner: 'a', nowMs: 2_000, leaseMs: 1_000, limit: 100 })).filter((e) => e.organizationId === org || e.organizationId === other);
      expect(leased).toHaveLength(2);
      const long = 'x'.repeat(5_000);
      await w.store.outbox.settle('a', leased.map((e) => ({ id: e.id, state: 'failed' as const, error: long, status: 410 })));
      const failed: OutboxEntry[] = await w.store.outbox.list({ state: 'failed', organizationId: org, limit: 10 });
      expect(failed).toHaveLength(1);
      expect(failed[0]!.lastError!.length).toBeLessThanOrEqual(500);
      expect(await w.store.outbox.retry({ ids: [leased.find((e) => e.organizationId === other)!.id], organizationId: org }, 3_000)).toBe(0);
      expect(await w.store.outbox.retry({ organizationId: org }, 3_000)).toBe(1);
      expect(await w.store.outbox.list({ state: 'pending', organizationId: org, limit: 10 })).toMatchObject([{ attempts: 0, availableAtMs: 3_000 }]);
      expect(await w.store.outbox.list({ state: 'failed', organizationId: other, limit: 10 })).toHaveLength(1);
    });

    it('merges leased meter events into one sum in one step, and refuses a merge of entries another owner holds', async () => {
      const w = world();
      const org = `org_outbox_${n++}`;
      const meter = (amount: number) => event(org, { topic: 'meter', type: 'mini', payload: { kind: 'charge', amount } });
      const [a, b, c] = [meter(4), meter(1), meter(3)];
      expect(await w.store.outbox.enqueue([a, b, c])).toBe(3);
      const leased = (await w.store.outbox.lease({ topic: 'meter', owner: 'x', nowMs: 2_000, leaseMs: 10_000, limit: 1000 })).filter((e) => e.organizationId === org);
      expect(leased).toHaveLength(3);
      const [ea, eb, ec] = [a, b, c].map((e) => leased.find((l) => l.dedupKey === e!.dedupKey)!);
      const sum = event(org, { topic: 'meter', type: 'mini', dedupKey: `meter:sum:${org}`, payload: { kind: 'sum', amount: 5 }, atMs: 2_000, availableAtMs: 2_000 });
      expect(await w.store.outbox.merge('y', [{ memberIds: [ea!.id, eb!.id], event: sum }])).toBe(0);
      expect(await w.store.outbox.merge('x', [{ memberIds: [ea!.id, eb!.id], event: sum }])).toBe(1);
      const byKey = new Map((await all(w, org)).map((e) => [e.dedupKey, e]));
      const summed = byKey.get(sum.dedupKey)!;
      expect(summed).toMatchObject({ state: 'pending', attempts: 0, payload: { kind: 'sum', amount: 5 }, id: outboxEventId(sum.dedupKey) });
      expect(byKey.get(a.dedupKey)).toMatchObject({ state: 'merged', batch: summed.id, leaseOwner: null });
      expect(byKey.get(b.dedupKey)).toMatchObject({ state: 'merged', batch: summed.id });
      expect(byKey.get(c.dedupKey)).toMatchObject({ state: 'pending', leaseOwner: 'x', batch: null });
      expect(ec).toBeDefined();
      // A merged entry is no longer leased by anyone.
      expect(await w.store.outbox.merge('x', [{ memberIds: [ea!.id], event: sum }])).toBe(0);
    });

    it('a tenant change writes its webhook events with it: key.revoked per key it revoked, plan.changed when the plan moves', async () => {
      const w = world();
      const { context } = await w.tenant();
      const org = context.organization.id;
      await endpoint(w, org, ['key.revoked', 'plan.changed']);
      const events = async (type: string) => (await all(w, org)).filter((e) => e.type === type);
      await w.tenancy.updateOrganization(org, { name: 'Renamed' });
      expect(await events('plan.changed')).toEqual([]);
      await w.tenancy.updateOrganization(org, { planTier: 'starter' });
      const [changed] = await events('plan.changed');
      expect(changed!.payload).toMatchObject({ organization_id: org, previous: { plan_tier: 'enterprise' }, current: { plan_tier: 'starter' } });

      await w.tenancy.revokeApiKey(context.apiKey.id);
      await w.tenancy.revokeApiKey(context.apiKey.id);
      expect((await events('key.revoked')).map((e) => [e.payload.api_key_id, e.payload.cause])).toEqual([[context.apiKey.id, 'revoked']]);
      const ns = context.namespace!.id;
      const more = await Promise.all([w.key(org, ns), w.key(org, ns)]);
      await w.tenancy.deleteNamespace(ns);
      const revoked = await events('key.revoked');
      expect(revoked.filter((e) => e.payload.cause === 'namespace_deleted').map((e) => e.payload.api_key_id).sort()).toEqual(more.map((m) => m.context.apiKey.id).sort());
      for (const e of revoked) expect(e.payload).toMatchObject({ organization_id: org, prefix: expect.any(String) });
    });

    it('an organization that observes its limits is kept so by the directory: served past them, each would-be refusal recorded', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 }, subscription: { enforcement: 'observe' } } });
      expect((await w.store.directory.getOrganization(context.organization.id))!.subscription.enforcement).toBe('observe');
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, observedRefusal: null });
      expect(await w.meter.charge(context, 'add_memory_v1')).toMatchObject({ allowed: true, observedRefusal: 'observed:quota:organization' });
      const updated = await w.tenancy.updateOrganization(context.organization.id, { subscription: { enforcement: null } });
      expect(updated.subscription.enforcement).toBeNull();
      expect((await w.store.directory.getOrganization(context.organization.id))!.subscription.enforcement).toBeNull();
    });
  });
}
