/** Small helpers for the pure parsers: they collect problems with their path instead of throwing at the first. */
export type Problems = string[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'object' ? 'an object' : String(value);
}

/** A limit: null (unlimited) or a non-negative number; integers unless fractions are allowed. */
export function readLimit(value: unknown, path: string, problems: Problems, allowFraction = false): number | null | undefined {
  if (value === null) return null;
  // Number.isFinite is false for anything but a number, so no typeof check is needed.
  if (!Number.isFinite(value) || (value as number) < 0 || (!allowFraction && !Number.isInteger(value))) {
    problems.push(`${path}: must be ${allowFraction ? 'a non-negative number' : 'a non-negative whole number'} or null, got ${describe(value)}`);
    return undefined;
  }
  return value as number;
}
