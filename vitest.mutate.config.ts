import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant (`npm run mutate`, see stryker.config.mjs); never used by `npm test`.
 *
 * Only the fast, in-process tests of the charge rules:
 * - test/unit: the rules themselves;
 * - test/engine: the meter over a store, except sqlite-processes, which spawns node processes
 *   (a mutant is not active in them) and only adds cross-process locking to what conformance covers;
 * - test/conformance on the RAM and SQLite stores only (STORES below): PostgreSQL, Redis and Parse
 *   run their rules in SQL, Lua or another server, which Stryker cannot mutate, and need services.
 * HTTP, CLI, load, fuzz, browser and the other store tests start servers or processes: too slow per mutant.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/conformance/**/*.test.ts'],
    exclude: ['test/engine/sqlite-processes.test.ts', '**/node_modules/**'],
    env: { STORES: 'ram,sqlite' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
