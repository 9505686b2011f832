/**
 * Redis loses everything (FLUSHALL, and SCRIPT FLUSH as a restart would) while two other processes
 * and 30 async callers here charge one organization whose every scope has a limit that binds.
 * The test runs its own redis-server on a free port (no persistence, a temporary directory) so that
 * it may FLUSHALL it: the project's Redis is shared with other tests, which must never lose their keys.
 */
import { expect, it } from 'vitest';
import pg from 'pg';
import { periodOf } from '../../src/core/periods.js';
import { systemClock } from '../../src/metering/system-clock.js';
import type { Store } from '../../src/stores/contract/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { DATABASE_URL, randomSchema } from '../support/postgres.js';
import { describeWithRedis, randomPrefix, testRedis, useOwnRedis } from '../support/redis.js';
import { createWorld } from '../support/world.js';
import { mixedCall } from '../engine/support/mixed-calls.js';
import { expectRecordsExact, spawnCharger, type RedisChargeSpec } from './support/redis-processes.js';

const schema = randomSchema('tollgate_redis_loss');
const keyPrefix = randomPrefix('loss');
const clock = { ...systemClock, set() {}, advance() {} };
// A loss is noticed within a flush interval; the rebuild waits 5 of them.
const STORE = { flushIntervalMs: 100, graceMs: 500, sweepIntervalMs: 500 };

await describeWithRedis('redis: Redis loses its data in the middle of charges from several processes', () => {
  const redis = useOwnRedis(schema);

  it('FLUSHALL mid-run: counters rebuilt from PostgreSQL, no scope past its limit, no acknowledged charge lost or counted twice', async () => {
    const own = redis.server;
    const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock });
    const store = await createRedisStore({ redis: own.url, keyPrefix, postgres, clock, ...STORE });
    const w = await createWorld(store, { clock });
    // Org 3,000; each namespace 1,800; each key 1,200. Each participant asks for about 3,400.
    const a = await w.tenant({
      organization: { rateLimits: { max_mini_interactions_per_month: 3000, rate_limit_per_minute: 1_000_000 } },
      namespace: { rateLimits: { max_mini_interactions_per_month: 1800 } },
      key: { monthlyCap: 1200 },
    });
    const org = a.context.organization;
    const nsB = await w.tenancy.createNamespace(org.id, { name: 'b', rateLimits: { max_mini_interactions_per_month: 1800 } });
    const b = await w.key(org.id, nsB.id, { monthlyCap: 1200 });
    const c = await w.key(org.id, a.context.namespace!.id, { monthlyCap: 1200 });

    const spec = (key: string, offset: number): RedisChargeSpec => ({
      redisUrl: own.url,
      databaseUrl: DATABASE_URL,
      schema,
      keyPrefix,
      key,
      calls: 1500,
      concurrency: 10,
      offset,
      pauseMs: 5,
      store: STORE,
    });
    const children = [spawnCharger(spec(a.key, 1)), spawnCharger(spec(b.key, 2))];
    await Promise.all(children.map((child) => child.grantedAtLeast(30)));

    const here = new Map<string, number>();
    let unavailableHere = 0;
    let next = 0;
    const callers = Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < 1500) {
          const call = mixedCall(next++);
          const decision = await w.meter.charge(c.context, call.operation, { parameters: call.parameters });
          if (decision.allowed) here.set(decision.receipt!.id, decision.cost);
          else if (decision.status === 503) unavailableHere++;
          else expect(decision.status).toBe(429);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );

    // Every participant is charging and no scope is full yet: Redis loses everything, right after a
    // burst of charges here, so that at least these were acknowledged and not yet in PostgreSQL.
    await Promise.all(children.map((child) => child.grantedAtLeast(100)));
    const admin = testRedis(own.url);
    await admin.connect();
    // The loss comes as soon as the first of the burst is acknowledged, while the rest are in flight:
    // what was just acknowledged cannot have been drained yet (a drain runs every flush interval), so
    // the run always has records to replay. Waiting for the whole burst first let a drain win the race.
    const charging = Array.from({ length: 20 }, () => w.meter.charge(c.context, 'get_memory_v1'));
    await Promise.race(charging);
    const flushed = admin.flushall();
    const burst = await Promise.all(charging);
    for (const decision of burst) if (decision.allowed) here.set(decision.receipt!.id, decision.cost);
    expect(burst.filter((d) => d.allowed).length).toBeGreaterThan(0);
    const grantedBeforeLoss = children.reduce((sum, child) => sum + child.granted.size, here.size);
    await flushed;
    await admin.script('FLUSH');
    admin.disconnect();

    const outcomes = await Promise.all(children.map((child) => child.done));
    await callers;
    await w.close();

    const acknowledged = new Map([...here, ...children.flatMap((child) => [...child.granted])]);
    expect(acknowledged.size).toBeGreaterThan(grantedBeforeLoss);
    // Charges waited for the rebuild rather than failing.
    expect(outcomes.map((o) => o.unavailable).concat(unavailableHere)).toEqual([0, 0, 0]);
    const total = await expectRecordsExact(
      DATABASE_URL,
      schema,
      org.id,
      acknowledged,
      [
        { scope: 'organization', scopeId: org.id, limit: 3000 },
        { scope: 'namespace', scopeId: a.context.namespace!.id, limit: 1800 },
        { scope: 'namespace', scopeId: nsB.id, limit: 1800 },
        { scope: 'api_key', scopeId: a.context.apiKey.id, limit: 1200 },
        { scope: 'api_key', scopeId: b.context.apiKey.id, limit: 1200 },
        { scope: 'api_key', scopeId: c.context.apiKey.id, limit: 1200 },
      ],
      { exact: true },
    );
    // The organization ran out: the limit bound after the loss, on rebuilt counters.
    expect(total.cost).toBeGreaterThan(3000 - 12);

    // The loss really cost Redis acknowledged records: some came back from the processes' memory,
    // and the organization has a second epoch.
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const [{ replayed, sources }] = (
      await db.query(
        `SELECT (SELECT count(*) FROM "${schema}".record_replays WHERE organization_id = $1)::int AS replayed,
                (SELECT count(*) FROM "${schema}".record_marks WHERE organization_id = $1)::int AS sources`,
        [org.id],
      )
    ).rows as [{ replayed: number; sources: number }];
    await db.end();
    expect(replayed).toBeGreaterThan(0);
    expect(sources).toBe(2);

    // Redis's rebuilt counters agree with PostgreSQL.
    const reader: Store = await createRedisStore({ redis: own.url, keyPrefix, postgres: await createPostgresStore({ connectionString: DATABASE_URL, schema, clock }), clock, ...STORE });
    const [used] = await reader.ledger.readCounters([{ scope: 'organization', scopeId: org.id, metric: 'mini', period: periodOf(Date.now()).key, organizationId: org.id }]);
    expect(used).toBe(total.cost);
    await reader.close();
  });
});
