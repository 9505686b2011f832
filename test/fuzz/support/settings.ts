/**
 * The fuzz suite's knobs, from the environment: FUZZ_SEED (default fixed, so `npm test` is
 * reproducible), FUZZ_RUNS (cases of the HTTP fuzz on SQLite across all routes; default 10,000),
 * FUZZ_PG_RUNS (the same on PostgreSQL; default 500) and FUZZ_MAX_MS (the bound on one request).
 * A failing run prints its seed and counterexample; FUZZ_SEED=<seed> reruns it, with FUZZ_PATH=<path> that case alone.
 */
const positiveInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
};

export const FUZZ_SEED = positiveInt('FUZZ_SEED', 20261207);
export const FUZZ_RUNS = positiveInt('FUZZ_RUNS', 10_000);
/** Cases of the HTTP fuzz on PostgreSQL (default 500: each case costs a few round trips). */
export const FUZZ_PG_RUNS = positiveInt('FUZZ_PG_RUNS', 500);
/** The longest a single request may take (ms). */
export const FUZZ_MAX_MS = positiveInt('FUZZ_MAX_MS', 2_000);
/** With FUZZ_SEED, replays the one case a failure printed as `path` (its state may differ: ids made earlier in the run are not there). */
export const FUZZ_PATH = process.env.FUZZ_PATH || undefined;
