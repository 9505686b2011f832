/**
 * The Redis ledger decides in Lua (ledger.lua) and its records reach PostgreSQL through the record
 * sink, instead of the shared LedgerBatch: random rounds hold both the decisions and the records to
 * the reference (support/ledger-equivalence.ts). The records are flushed after every round, so that
 * each round's records arrive in PostgreSQL together, as the reference writes them.
 */
import { afterAll, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, dropSchema, randomSchema } from '../support/postgres.js';
import { REDIS_URL, deletePrefix, describeWithRedis, randomPrefix } from '../support/redis.js';
import { compareWithReference } from './support/ledger-equivalence.js';

const schema = randomSchema('tollgate_redis_equivalence');
const keyPrefix = randomPrefix('equivalence');

await describeWithRedis('redis ledger ≡ the reference ledger', () => {
  afterAll(async () => {
    await deletePrefix(keyPrefix);
    await dropSchema(schema);
  });

  for (const seed of [1, 2, 3]) {
    it(`random rounds give identical results, counters and records (seed ${seed})`, async () => {
      const clock = manualClock();
      const reference = createRamStore({ clock });
      const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock });
      const redis = await createRedisStore({ redis: REDIS_URL, keyPrefix, postgres, clock, graceMs: 100, flushIntervalMs: 50 });
      try {
        await compareWithReference(seed, reference, redis, {
          // Reading an organization's log first moves its records to PostgreSQL.
          afterRound: async (store, organizationIds) => {
            for (const organizationId of organizationIds) await store.log.events({ organizationId, fromMs: 0, toMs: 0, limit: 1 });
          },
        });
      } finally {
        await reference.close();
        await redis.close();
      }
    });
  }
});
