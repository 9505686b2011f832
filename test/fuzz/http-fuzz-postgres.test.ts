/**
 * The HTTP fuzz on the PostgreSQL store, fewer cases (FUZZ_PG_RUNS, default 500): what SQLite
 * takes and PostgreSQL refuses (NUL in text, lone surrogates in jsonb, bigint ranges) must still be
 * a 4xx. Skipped with its reason when PostgreSQL cannot be reached, except under CI=true.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { routesOf, type RouteSpec } from './support/routes.js';
import { runFuzz } from './support/run-fuzz.js';
import { FUZZ_PATH, FUZZ_PG_RUNS, FUZZ_SEED } from './support/settings.js';
import { startFuzzWorld, type FuzzWorld } from './support/world.js';

await describeWithPostgres(`HTTP fuzz on PostgreSQL (FUZZ_SEED=${FUZZ_SEED}, FUZZ_PG_RUNS=${FUZZ_PG_RUNS})`, () => {
  let world: FuzzWorld;
  let routes: RouteSpec[];
  const schema = randomSchema('tollgate_fuzz');

  beforeAll(async () => {
    world = await startFuzzWorld({ store: async (clock) => createPostgresStore({ connectionString: DATABASE_URL, schema, clock }), cleanup: () => dropSchema(schema) });
    routes = await routesOf(world.app);
  });
  afterAll(async () => world?.close());

  it(
    `${FUZZ_PG_RUNS} requests: no 5xx, none over the time bound, every 4xx documented and free`,
    async () => {
      const started = performance.now();
      const stats = await runFuzz(world, routes, { seed: FUZZ_SEED, numRuns: FUZZ_PG_RUNS });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`HTTP fuzz (postgres): seed ${FUZZ_SEED}, ${stats.cases} cases in ${seconds} s over ${routes.length} routes, 0 failures; statuses ${JSON.stringify(stats.byStatus)}; slowest ${Math.round(stats.slowestMs)} ms`);
      if (!FUZZ_PATH) expect(stats.cases).toBe(FUZZ_PG_RUNS);
    },
    Math.max(120_000, FUZZ_PG_RUNS * 100),
  );
});
