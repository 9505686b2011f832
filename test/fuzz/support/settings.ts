/**
 * The fuzz suite's knobs, from the environment: FUZZ_SEED (default fixed, so `npm test` is
 * reproducible) and FUZZ_RUNS (cases of the HTTP fuzz across all routes; default 10,000).
 * A failing run prints its seed and counterexample; rerun with FUZZ_SEED=<seed> to replay it.
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
