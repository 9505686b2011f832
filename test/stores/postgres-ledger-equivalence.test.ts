/**
 * The PostgreSQL ledger decides inside the database (apply_ledger_group, PL/pgSQL) instead of with
 * the shared LedgerBatch. This test holds the two to the same answers (support/ledger-equivalence.ts).
 */
import { afterAll, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { compareWithReference } from './support/ledger-equivalence.js';

const schema = randomSchema('tollgate_equivalence');

await describeWithPostgres('postgres ledger ≡ the reference ledger', () => {
  afterAll(() => dropSchema(schema));

  for (const seed of [1, 2, 3]) {
    it(`random rounds give identical results, counters and records (seed ${seed})`, async () => {
      const clock = manualClock();
      const reference = createRamStore({ clock });
      const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock, maxGroupsInFlight: 1 });
      try {
        await compareWithReference(seed, reference, postgres);
      } finally {
        await reference.close();
        await postgres.close();
      }
    });
  }
});
