/** Alert thresholds (pure): the percentages of a limit at which usage.threshold is raised (issue 12). */
import { TollgateError } from './errors.js';

export const DEFAULT_THRESHOLD_PERCENTS: readonly number[] = Object.freeze([80, 95, 100]);
/** Above 100 % only makes sense for metered overage; past this it is a typo. */
const MAX_THRESHOLD_PERCENT = 10_000;

/**
 * The least counter value that is at least `percent` % of `limit`: ceil(limit × percent / 100),
 * computed on basis points so no fraction is rounded first (100 × 0.07 is 7.000000000000001 in
 * floats, whose ceiling is 8).
 * `percent` has at most two decimals (parseThresholdPercents).
 */
export function thresholdPoint(limit: number, percent: number): number {
  const basisPoints = Math.round(percent * 100);
  const product = limit * basisPoints;
  // Below 2^53 the quotient is under 2^40, where a float resolves far finer than 1/10,000: the
  // rounded quotient never crosses an integer, so its ceiling is exact.
  if (Number.isSafeInteger(product)) return Math.ceil(product / 10_000);
  const exact = BigInt(Math.ceil(limit)) * BigInt(basisPoints);
  return Number((exact + 9_999n) / 10_000n);
}

/**
 * Validates thresholds set for a plan or an organization: percentages above 0 and at most 10,000,
 * with at most two decimals. Returns them sorted without repeats; throws CONFIG_INVALID naming
 * `path` and every bad value.
 */
export function parseThresholdPercents(input: unknown, path: string): readonly number[] {
  if (!Array.isArray(input) || input.length === 0) {
    throw new TollgateError('CONFIG_INVALID', { message: `${path}: a non-empty list of percentages, e.g. [80, 95, 100].`, details: { path } });
  }
  const problems = input.flatMap((value, index) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_THRESHOLD_PERCENT && Math.abs(value * 100 - Math.round(value * 100)) < 1e-9
      ? []
      : [`${path}[${index}]: a percentage above 0 and at most ${MAX_THRESHOLD_PERCENT} with at most two decimals, got ${JSON.stringify(value)}`],
  );
  if (problems.length > 0) throw new TollgateError('CONFIG_INVALID', { message: problems.join('; '), details: { path, problems } });
  return Object.freeze([...new Set(input as number[])].sort((a, b) => a - b));
}

/** What makes a threshold event unique: period, scope, interaction type and threshold (the outbox keeps one per key). */
export function thresholdDedupKey(periodKey: string, line: { readonly scope: string; readonly scopeId: string; readonly type: string }, percent: number): string {
  return `usage.threshold:${periodKey}:${line.scope}:${line.scopeId}:${line.type}:${percent}`;
}
