/**
 * The PostgreSQL ledger writes a group's outbox entries in the group's own statement
 * (outbox_after_group): each threshold with the figures of the charge that crossed it, whatever
 * else the group holds before it (adjustments, refusals, charges of other lines), meter events of
 * granted charges only, and a refund's meter event only when this refund was the one applied.
 */
import { afterAll, expect, it } from 'vitest';
import type { ChargeRequest, CounterRef, RefusalRecord } from '../../src/stores/contract/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';

const schema = randomSchema('tollgate_outbox_ledger');

await describeWithPostgres('postgres: the ledger writes the outbox', () => {
  afterAll(() => dropSchema(schema));

  it('finds each crossing by its own line in a mixed group, meters granted charges, and a refund only when applied', async () => {
    const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: manualClock() });
    const org = 'org_outbox_ledger';
    const attribution = { organizationId: org, namespaceId: 'ns_1', apiKeyId: 'key_1', userId: null, workspaceId: null, subscriptionId: null, companyId: null, operation: 'add_memory_v1', type: 'mini' as const };
    const counter = (scope: CounterRef['scope'], scopeId: string): CounterRef => ({ scope, scopeId, metric: 'mini', period: '2026-11', organizationId: org });
    const marks = [80, 100].map((percent) => ({ percent, point: percent / 10, limit: 10 }));
    const meter = { customerId: 'cus_1', aggregation: 'per_call' as const };
    const charge = (id: string, amount: number, outbox: ChargeRequest['outbox']): ChargeRequest => ({
      id,
      atMs: 1_000,
      period: { key: '2026-11', month: 11, year: 2026 },
      day: '2026-11-15',
      attribution,
      cost: amount,
      // The namespace's line has no marks; the organization's reports 80 % and 100 % of 10.
      lines: [
        { counter: counter('namespace', 'ns_1'), amount, limit: null },
        { counter: counter('organization', org), amount, limit: 10 },
      ],
      rates: [],
      idempotency: null,
      outbox,
    });
    const refusal: RefusalRecord = { id: 'ref_1', atMs: 1_000, day: '2026-11-15', attribution, cost: 1, reason: 'subscription:past_due' };
    await store.webhooks.create({ id: 'wh_1', organizationId: org, url: 'https://hooks.example.com/in', eventTypes: ['usage.threshold'], sealedSecret: 'v1.a.b.c', createdAt: 1 });
    const ledger = store.ledger;

    // Refunded without a meter spec (applied, no event), then again with one (not applied: no event).
    expect((await ledger.charge(charge('chg_0', 1, null))).outcome).toBe('granted');
    await ledger.refund(charge('chg_0', 1, null));
    await ledger.refund(charge('chg_0', 1, { marks: [[], marks], meter }));

    // One group (submitted in one turn): lines of other jobs come before the charges' own.
    const results = await Promise.all([
      ledger.adjust([{ counter: counter('namespace', 'ns_1'), amount: 2 }]),
      ledger.recordRefusal(refusal),
      ledger.charge(charge('chg_1', 4, { marks: [[], marks], meter })),
      ledger.charge(charge('chg_2', 4, { marks: [[], marks], meter })),
      ledger.charge(charge('chg_3', 5, { marks: [[], marks], meter })),
      ledger.charge(charge('chg_4', 1, null)),
      ledger.charge(charge('chg_5', 1, { marks: [[], marks], meter: null })),
    ]);
    expect(results.slice(2).map((r) => r!.outcome)).toEqual(['granted', 'granted', 'refused', 'granted', 'granted']);

    const entries = await store.outbox.list({ organizationId: org, limit: 100 });
    const thresholds = entries.filter((e) => e.type === 'usage.threshold').sort((a, b) => Number(a.payload.threshold_percent) - Number(b.payload.threshold_percent));
    expect(thresholds.map((e) => e.payload)).toEqual([
      { charge_id: 'chg_2', organization_id: org, namespace_id: 'ns_1', api_key_id: 'key_1', operation: 'add_memory_v1', period: '2026-11', scope: 'organization', scope_id: org, type: 'mini', threshold_percent: 80, limit: 10, used_before: 4, used: 8 },
      { charge_id: 'chg_5', organization_id: org, namespace_id: 'ns_1', api_key_id: 'key_1', operation: 'add_memory_v1', period: '2026-11', scope: 'organization', scope_id: org, type: 'mini', threshold_percent: 100, limit: 10, used_before: 9, used: 10 },
    ]);
    const metered = entries.filter((e) => e.topic === 'meter').map((e) => `${e.payload.kind}:${e.payload.charge_id}`);
    expect(metered.sort()).toEqual(['charge:chg_1', 'charge:chg_2']);
    await store.close();
  });
});
