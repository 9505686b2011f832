import { Redis } from 'ioredis';
import { systemClock } from '../../src/metering/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import type { Store } from '../../src/stores/contract/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from '../support/postgres.js';
import { describeWithRedis, randomPrefix, startOwnRedis, type OwnRedis } from '../support/redis.js';
import { multiServerScenario } from './support/multi-server-scenario.js';

const schema = randomSchema('tollgate_load_redis');
const prefix = randomPrefix('load');
let redis: OwnRedis;

/** Until the records the servers acknowledged have all reached PostgreSQL (the total stops moving). */
async function settle(store: Store): Promise<void> {
  const organizations = (await store.directory.listOrganizations({ offset: 0, limit: 100 })).items.map((o) => o.id);
  const total = async () => {
    let sum = 0;
    for (const organizationId of organizations) for (const r of await store.log.interactions({ organizationId })) sum += r.count;
    return sum;
  };
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const now = await total();
    if (now === last) return;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('the records did not settle in PostgreSQL within 60 s');
}

await describeWithRedis('four server processes on Redis + PostgreSQL, with a FLUSHALL in the middle', () =>
  multiServerScenario({
    label: 'Redis + PostgreSQL (FLUSHALL mid-run)',
    async openStore() {
      // A redis-server of this test's own: it may be flushed without touching anyone else's keys.
      redis = await startOwnRedis();
      const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: systemClock });
      return createRedisStore({ redis: redis.url, keyPrefix: prefix, postgres, clock: systemClock });
    },
    get serverEnv() {
      return { TOLLGATE_STORE: 'redis', DATABASE_URL, TOLLGATE_PG_SCHEMA: schema, REDIS_URL: redis.url, TOLLGATE_REDIS_PREFIX: prefix };
    },
    async midRun() {
      const client = new Redis(redis.url);
      await client.flushall();
      await client.script('FLUSH');
      client.disconnect();
      console.log('Redis lost its data (FLUSHALL, SCRIPT FLUSH) half way through the calls');
    },
    settle,
    tolerated: [503],
    async cleanup() {
      await redis?.stop();
      await dropSchema(schema);
    },
  }),
);
