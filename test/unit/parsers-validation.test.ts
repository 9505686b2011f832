import { describe as group, expect, it } from 'vitest';
import { describe, isRecord, readLimit, type Problems } from '../../src/core/validation.js';

// Mutation testing (issue 20): how a bad value is named in every problem message, what counts as an
// object, and both edges of a limit (0 and null accepted, below 0, fractions, infinities refused).

group('describe: how a bad value is named in a problem', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [[], 'a list'],
    [[1, 2], 'a list'],
    [{}, 'an object'],
    [{ a: 1 }, 'an object'],
    ['', '""'],
    ['fast', '"fast"'],
    [0, '0'],
    [-1.5, '-1.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [true, 'true'],
    [false, 'false'],
  ])('%j is named %s', (value, named) => {
    expect(describe(value)).toBe(named);
  });
});

group('isRecord: what counts as an object of fields', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null), true],
    [null, false],
    [undefined, false],
    [[], false],
    ['{}', false],
    [1, false],
  ])('%j → %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});

group('readLimit', () => {
  const read = (value: unknown, allowFraction?: boolean): [number | null | undefined, Problems] => {
    const problems: Problems = [];
    return [readLimit(value, 'tiers.pro.max_active_memories', problems, allowFraction), problems];
  };

  it.each([
    [null, null],
    [0, 0],
    [1, 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('a whole-number limit accepts %j', (value, expected) => {
    expect(read(value)).toEqual([expected, []]);
  });

  it.each([
    [-1, '-1'],
    [0.5, '0.5'],
    [1.5, '1.5'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NaN, 'NaN'],
    ['10', '"10"'],
    [undefined, 'undefined'],
    [{}, 'an object'],
  ])('a whole-number limit refuses %j, naming it', (value, named) => {
    expect(read(value)).toEqual([undefined, [`tiers.pro.max_active_memories: must be a non-negative whole number or null, got ${named}`]]);
    expect(read(value, false)[1]).toEqual([`tiers.pro.max_active_memories: must be a non-negative whole number or null, got ${named}`]);
  });

  it.each([
    [null, null],
    [0, 0],
    [0.5, 0.5],
    [2.25, 2.25],
    [7, 7],
  ])('a fractional limit accepts %j', (value, expected) => {
    expect(read(value, true)).toEqual([expected, []]);
  });

  it.each([
    [-0.01, '-0.01'],
    [-1, '-1'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
  ])('a fractional limit refuses %j, naming it', (value, named) => {
    expect(read(value, true)).toEqual([undefined, [`tiers.pro.max_active_memories: must be a non-negative number or null, got ${named}`]]);
  });

  it('adds to the problems already found', () => {
    const problems: Problems = ['earlier'];
    readLimit(-1, 'x', problems);
    expect(problems).toEqual(['earlier', 'x: must be a non-negative whole number or null, got -1']);
  });
});
