/**
 * A process is killed (SIGKILL) while it charges: it never drains its stream itself (its flush
 * interval is a minute), so its acknowledged charges can reach PostgreSQL only from Redis's stream,
 * through another process's sweep. They must arrive, and exactly once. Shared Redis, own key prefix.
 */
import { afterAll, expect, it } from 'vitest';
import { periodOf } from '../../src/core/periods.js';
import { systemClock } from '../../src/metering/system-clock.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from '../support/postgres.js';
import { REDIS_URL, deletePrefix, describeWithRedis, randomPrefix, testRedis } from '../support/redis.js';
import { createWorld } from '../support/world.js';
import { expectRecordsExact, spawnCharger } from './support/redis-processes.js';

const schema = randomSchema('tollgate_redis_kill');
const keyPrefix = randomPrefix('kill');
const clock = { ...systemClock, set() {}, advance() {} };

await describeWithRedis('redis: a process killed mid-run', () => {
  afterAll(async () => {
    await deletePrefix(keyPrefix);
    await dropSchema(schema);
  });

  it('SIGKILL while charging: its acknowledged charges reach PostgreSQL from the stream, exactly once', async () => {
    const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock });
    const store = await createRedisStore({ redis: REDIS_URL, keyPrefix, postgres, clock, sweepIntervalMs: 200 });
    const w = await createWorld(store, { clock });
    const { context, key } = await w.tenant({ organization: { rateLimits: { rate_limit_per_minute: 1_000_000 } } });
    const org = context.organization.id;
    const counter = { scope: 'organization' as const, scopeId: org, metric: 'mini' as const, period: periodOf(Date.now()).key, organizationId: org };
    // Loads the organization into Redis without charging: this process holds no records of it.
    expect(await store.ledger.readCounters([counter])).toEqual([0]);

    const child = spawnCharger({
      redisUrl: REDIS_URL,
      databaseUrl: DATABASE_URL,
      schema,
      keyPrefix,
      key,
      calls: 1_000_000,
      concurrency: 20,
      offset: 0,
      pauseMs: 1,
      store: { flushIntervalMs: 60_000, sweepIntervalMs: 60_000 },
    });
    await child.grantedAtLeast(300);
    child.kill('SIGKILL');
    await expect(child.done).rejects.toThrow(/SIGKILL/);
    const acknowledged = new Map(child.granted);

    // The child never drained its stream: the sweep of this process moves its records (within a few sweeps).
    const redis = testRedis();
    await redis.connect();
    const stream = (await redis.keys(`${keyPrefix}*`)).find((k) => k.endsWith(':s'))!;
    const deadline = Date.now() + 10_000;
    while ((await redis.xlen(stream)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await redis.xlen(stream)).toBe(0);
    redis.disconnect();

    const total = await expectRecordsExact(DATABASE_URL, schema, org, acknowledged, [{ scope: 'organization', scopeId: org, limit: null }], { exact: false });
    // Everything Redis counted is in PostgreSQL: the charges granted but not yet printed when it died too.
    expect(await store.ledger.readCounters([counter])).toEqual([total.cost]);
    expect(total.granted).toBeGreaterThanOrEqual(acknowledged.size);
    await w.close();
  });
});
