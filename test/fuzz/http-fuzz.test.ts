/**
 * Every route of the server, fuzzed from its own schema and off it (test/fuzz/support/): bodies,
 * query strings, path parameters and headers, sent with valid keys of real organizations so the
 * requests reach the handlers and the SQLite store. FUZZ_SEED and FUZZ_RUNS choose the run; a
 * failure prints the seed, the path to replay and the request that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerTable, routesOf, asRouterPath, type RouteSpec } from './support/routes.js';
import { runFuzz } from './support/run-fuzz.js';
import { FUZZ_PATH, FUZZ_RUNS, FUZZ_SEED } from './support/settings.js';
import { startFuzzWorld, type FuzzWorld } from './support/world.js';

let world: FuzzWorld;
let routes: RouteSpec[];

beforeAll(async () => {
  world = await startFuzzWorld();
  routes = await routesOf(world.app);
});
afterAll(async () => world?.close());

describe(`HTTP fuzz on SQLite (FUZZ_SEED=${FUZZ_SEED}, FUZZ_RUNS=${FUZZ_RUNS})`, () => {
  it('covers every route of /v1, /admin and /functions the router serves', () => {
    const fuzzed = routes.map(asRouterPath).sort();
    expect(fuzzed).toEqual(routerTable(world.app, ['/v1', '/admin', '/functions']));
    expect(fuzzed.length).toBeGreaterThanOrEqual(34);
  });

  it(
    `${FUZZ_RUNS} requests: no 5xx, none over the time bound, every 4xx documented and free`,
    async () => {
      const started = performance.now();
      const stats = await runFuzz(world, routes, { seed: FUZZ_SEED, numRuns: FUZZ_RUNS });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `HTTP fuzz (sqlite): seed ${FUZZ_SEED}, ${stats.cases} cases in ${seconds} s over ${routes.length} routes, 0 failures; ` +
          `statuses ${JSON.stringify(stats.byStatus)}; ${stats.mutatedBodies} mutated bodies; slowest ${Math.round(stats.slowestMs)} ms`,
      );
      if (process.env.FUZZ_VERBOSE) console.table(stats.byRoute);
      if (!FUZZ_PATH) expect(stats.cases).toBe(FUZZ_RUNS);
      // Not a fuzz of the auth layer only: a good share of the cases reached the handlers.
      if (!FUZZ_PATH) expect(Object.entries(stats.byStatus).filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(FUZZ_RUNS / 5);
    },
    Math.max(120_000, FUZZ_RUNS * 30),
  );
});
