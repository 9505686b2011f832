import { describe, type Problems } from './validation.js';

/** Reads typed fields from one object, collecting problems with their path. */
export class Reader {
  constructor(
    private readonly source: Record<string, unknown>,
    private readonly problems: Problems,
    private readonly prefix = '',
  ) {}

  private path(field: string) {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  string(field: string): string {
    const value = this.source[field];
    if (typeof value === 'string' && value.length > 0) return value;
    this.problems.push(`${this.path(field)}: required text, got ${describe(value)}`);
    return '';
  }

  optionalString(field: string): string | null {
    const value = this.source[field];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'string') return value;
    this.problems.push(`${this.path(field)}: must be text, got ${describe(value)}`);
    return null;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.source[field];
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.problems.push(`${this.path(field)}: must be true or false, got ${describe(value)}`);
    return fallback;
  }

  integer(field: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.source[field];
    if (value === undefined) return fallback;
    if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return value as number;
    this.problems.push(`${this.path(field)}: must be a whole number from ${min} to ${max}, got ${describe(value)}`);
    return fallback;
  }

  oneOf<T extends string>(field: string, options: readonly T[], fallback: T): T {
    const value = this.source[field];
    if (value === undefined) return fallback;
    if ((options as readonly unknown[]).includes(value)) return value as T;
    this.problems.push(`${this.path(field)}: must be one of ${options.join(', ')}, got ${describe(value)}`);
    return fallback;
  }
}
