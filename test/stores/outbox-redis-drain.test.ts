/**
 * The outbox of a Redis charge (issue 12): the charge is committed in Redis, its stream entry
 * carries what its outbox entries are made of (the request's outbox spec and, for a charge that
 * reports thresholds, its counters after it), and the record sink writes them in the transaction
 * that applies the entry. So a charge crossing a threshold yields exactly one entry however often
 * its stream entry is drained or replayed: a flusher that dies after PostgreSQL committed and
 * before the stream was trimmed, a replay of what a drain applied.
 */
import { afterAll, expect, it } from 'vitest';
import type { ChargeRequest, RecordEntry, RecordSink, Store } from '../../src/stores/contract/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, dropSchema, randomSchema } from '../support/postgres.js';
import { REDIS_URL, deletePrefix, describeWithRedis, randomPrefix } from '../support/redis.js';

const schema = randomSchema('tollgate_outbox_redis');
const keyPrefix = randomPrefix('outbox');
let n = 0;

function chargeRequest(organizationId: string, i: number): ChargeRequest {
  const attribution = { organizationId, namespaceId: null, apiKeyId: 'key_1', userId: null, workspaceId: null, subscriptionId: null, companyId: null, operation: 'get_memory_v1', type: 'mini' as const };
  return {
    id: `chg_${organizationId}_${i}`,
    atMs: 1_000 + i,
    period: { key: '2026-11', month: 11, year: 2026 },
    day: '2026-11-15',
    attribution,
    cost: 1,
    lines: [{ counter: { scope: 'organization', scopeId: organizationId, metric: 'mini', period: '2026-11', organizationId }, amount: 1, limit: 10 }],
    rates: [],
    idempotency: null,
    outbox: { marks: [[80, 100].map((percent) => ({ percent, point: percent / 10, limit: 10 }))], meter: { customerId: 'cus_1', aggregation: 'per_call' } },
  };
}

await describeWithRedis('redis: the outbox of a charge, drained exactly once', () => {
  afterAll(async () => {
    await deletePrefix(keyPrefix);
    await dropSchema(schema);
  });

  it('a threshold crossed in Redis is one outbox entry after a drain that died before trimming, another drain and a replay', async () => {
    const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: manualClock() });
    const sink = postgres.recordSink;
    // A drain commits in PostgreSQL, then the flusher dies before it trims the stream (once, the
    // first drain that applies something: the periodic flush or a read's).
    let crashes = 1;
    const reads: string[][] = [];
    const seen = new Map<string, RecordEntry>();
    const crashing: RecordSink = {
      ...sink,
      async drain(organizationIds, read, options) {
        let got: readonly RecordEntry[] = [];
        const marks = await sink.drain(organizationIds, async (locked) => (got = await read(locked)), options);
        reads.push(got.map((e) => e.position));
        for (const e of got) seen.set(e.position, e);
        if (crashes > 0 && got.length > 0) {
          crashes--;
          throw new Error('the flusher died after PostgreSQL committed');
        }
        return marks;
      },
    };
    const redis: Store = await createRedisStore({
      redis: REDIS_URL,
      keyPrefix,
      postgres: { ...postgres, recordSink: crashing },
      closePostgres: false,
      clock: manualClock(),
      flushIntervalMs: 200,
      graceMs: 250,
    });
    const org = `org_outbox_${n++}`;
    const hook = `wh_${org}`;
    await redis.webhooks.create({ id: hook, organizationId: org, url: 'https://hooks.example.com/in', eventTypes: ['usage.threshold'], sealedSecret: 'v1.a.b.c', createdAt: 1 });
    try {
      for (let i = 0; i < 9; i++) expect((await redis.ledger.charge(chargeRequest(org, i))).outcome).toBe('granted');

      // The first listing's drain may be the one that dies; the next one reads the untrimmed
      // entries again, at or before the mark, and skips them.
      await redis.outbox.list({ organizationId: org, limit: 100 }).catch(() => {});
      expect(crashes).toBe(0);
      const listed = await redis.outbox.list({ organizationId: org, limit: 100 });
      const died = reads.findIndex((r) => r.length > 0);
      expect(reads.slice(died + 1).some((r) => r.includes(reads[died]![0]!))).toBe(true);
      // Replaying every entry (as after Redis lost its data), and draining them again, applies nothing twice.
      expect(seen.size).toBeGreaterThan(0);
      // Only the record of the charge that crossed keeps its counters after it.
      const kept = [...seen.values()].flatMap((e) => e.records).filter((r) => r.kind === 'granted' && r.result !== null);
      expect(kept.map((r) => (r.kind === 'granted' ? r.result!.used : null))).toEqual([[8]]);
      await sink.replay([...seen.values()]);
      await sink.drain([org], async () => [...seen.values()], { wait: true });
      const after = await postgres.outbox.list({ organizationId: org, limit: 100 });
      expect(after).toEqual(listed);

      const thresholds = after.filter((e) => e.type === 'usage.threshold');
      expect(thresholds).toHaveLength(1);
      expect(thresholds[0]).toMatchObject({ endpointId: hook, topic: 'webhook', payload: { charge_id: `chg_${org}_7`, threshold_percent: 80, used_before: 7, used: 8, limit: 10, scope: 'organization' } });
      const meter = after.filter((e) => e.topic === 'meter');
      expect(meter.map((e) => e.payload.charge_id).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `chg_${org}_${i}`).sort());
      expect((await postgres.log.interactions({ organizationId: org })).map((r) => r.count)).toEqual([9]);
    } finally {
      await redis.close();
      await postgres.close();
    }
  });
});
