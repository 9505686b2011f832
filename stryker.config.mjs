// Mutation testing of the code that decides a charge (issue 20): `npm run mutate`, never part of `npm test`.
// Figures per file and how to read them: test/README.md, "Mutation testing".
// Reports: reports/mutation/mutation.html and .json (gitignored). Sandbox: .stryker-tmp/ (gitignored,
// deleted after a run), outside test/, so the normal vitest run (test/**/*.test.ts) never sees it.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    // Unit tests, test/engine and the conformance suite on RAM and SQLite only; see that file.
    configFile: 'vitest.mutate.config.ts',
    // Only the test files that import the mutated file (directly or through the stores and the meter).
    related: true,
    pool: 'forks',
  },
  // The charge rules: src/core and src/metering, and the folders issues add beside them for
  // credits, windows and settlement. Barrels only re-export; type-only files produce no mutants anyway.
  mutate: ['src/{core,metering,credits,windows,settle}/**/*.ts', '!src/**/index.ts'],
  // perTest: each mutant runs only the tests that reached it (and, with bail, stops at the first failure).
  coverageAnalysis: 'perTest',
  // Two cores: one vitest per core.
  concurrency: 2,
  // Reruns test only mutants in changed files, or reached by changed tests. The file is a local cache
  // (reports/ is gitignored): it does not see changes in code the tests go through but Stryker does not
  // mutate (stores, tenancy), and committing it would churn with every change to the rules. A full run:
  // `npm run mutate -- --force`.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // A mutant is a timeout when its tests take 1.5 × their normal time + 10 s (the default 5 s is tight
  // on two busy cores); timeouts count as killed.
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  thresholds: { high: 85, low: 80, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { logTests: false },
  // Not needed by those tests; keeps the sandbox copy small.
  ignorePatterns: ['/reports', '/test-artifacts', '/dist', '/data', '/coverage', '/bench', '/docs', '/web'],
  tempDirName: '.stryker-tmp',
};
