/**
 * The body scanner against a plain recursive reference over the parsed value, on random JSON
 * (fast-check, seeded): it refuses exactly the texts that break a bound, and names the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonBounds, type JsonBounds } from '../../src/http/json-bounds.js';
import { FUZZ_SEED } from './support/settings.js';

const SMALL: JsonBounds = { maxDepth: 4, maxValues: 40, maxStringLength: 12, maxKeyLength: 6 };

/** The first NUL or lone surrogate of a string, in order. */
function textProblem(text: string): string | null {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0) return 'nul_character';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'lone_surrogate';
      i += 1;
    } else if (c >= 0xdc00 && c <= 0xdfff) return 'lone_surrogate';
  }
  return null;
}

/** What the scanner must decide, computed recursively over the parsed value (small inputs only). */
function reference(value: unknown, bounds: JsonBounds): string | null {
  let values = 0;
  let underConstructor = false;
  const walk = (v: unknown, depth: number, parentKey: string | null = null): string | null => {
    values += 1;
    if (values > bounds.maxValues) return 'max_values';
    if (typeof v === 'string') return textProblem(v) ?? (v.length > bounds.maxStringLength ? 'max_string_length' : null);
    if (v === null || typeof v !== 'object') return null;
    if (depth + 1 > bounds.maxDepth) return 'max_depth';
    underConstructor = parentKey === 'constructor';
    if (Array.isArray(v)) {
      for (const item of v) {
        const found = walk(item, depth + 1);
        if (found) return found;
      }
      return null;
    }
    for (const [key, item] of Object.entries(v)) {
      const problem = textProblem(key);
      if (problem) return problem;
      if (key.length > bounds.maxKeyLength) return 'max_key_length';
      if (key === '__proto__' || (key === 'prototype' && underConstructor)) return 'forbidden_key';
      const inConstructor = underConstructor;
      const found = walk(item, depth + 1, key);
      underConstructor = inConstructor;
      if (found) return found;
    }
    return null;
  };
  return walk(value, 0);
}

/** Any UTF-16 code unit, the troublesome ones often: NUL, lone surrogates, a pair, quotes, escapes. */
const anyCodeUnit = fc.oneof(fc.constantFrom('\0', '\ud800', '\udc00', '\ud83d\ude00', '"', '\\', '\n'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)));

const settings = { seed: FUZZ_SEED, numRuns: 2_000 };

describe('checkJsonBounds', () => {
  it('refuses exactly the JSON texts a recursive check over the parsed value refuses, with the same bound', () => {
    const json = fc.oneof(fc.jsonValue({ maxDepth: 6, depthSize: 'medium' }), fc.jsonValue({ maxDepth: 4, stringUnit: anyCodeUnit }));
    fc.assert(
      fc.property(json, fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const expected = reference(JSON.parse(text), SMALL);
        const found = checkJsonBounds(text, SMALL);
        expect(found?.bound ?? null).toBe(expected);
      }),
      settings,
    );
  });

  it('texts within the bounds pass whatever their keys and strings hold (escapes, unicode, surrogate pairs)', () => {
    const wide: JsonBounds = { maxDepth: 64, maxValues: 1_000_000, maxStringLength: 1_000_000, maxKeyLength: 1_000_000 };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5, stringUnit: anyCodeUnit }), (value) => {
        const text = JSON.stringify(value);
        expect(checkJsonBounds(text, wide)?.bound ?? null).toBe(reference(JSON.parse(text), wide));
      }),
      settings,
    );
  });

  it('refuses __proto__ anywhere and prototype inside constructor, as secure-json-parse did', () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'b');
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.integer(), fc.dictionary(key, tie('node'), { maxKeys: 3 }), fc.array(tie('node'), { maxLength: 3 })),
    })).node;
    const wide: JsonBounds = { maxDepth: 64, maxValues: 100_000, maxStringLength: 100, maxKeyLength: 100 };
    fc.assert(
      fc.property(tree, (value) => {
        const text = JSON.stringify(value);
        expect(checkJsonBounds(text, wide)?.bound ?? null).toBe(reference(JSON.parse(text), wide));
      }),
      settings,
    );
  });

  it('names the field: keys in dots or quoted brackets, indexes in brackets, long paths shortened', () => {
    expect(checkJsonBounds('{"a":{"b c":[1,2,{"d":"0123456789abc"}]}}', SMALL)).toMatchObject({ bound: 'max_string_length', field: 'body.a["b c"][2].d', actual: 13 });
    expect(checkJsonBounds('{"a":[[[[1]]]]}', SMALL)).toMatchObject({ bound: 'max_depth', field: 'body.a[0][0][0]', limit: 4, actual: 5 });
    expect(checkJsonBounds('{"x":{"toolong":1}}', SMALL)).toMatchObject({ bound: 'max_key_length', field: 'body.x (a key)' });
    expect(checkJsonBounds('{"constructor":{"prototype":1}}', { ...SMALL, maxKeyLength: 20 })).toMatchObject({ bound: 'forbidden_key', field: 'body.constructor.prototype' });
    expect(checkJsonBounds('{"a":1e400}', SMALL)).toMatchObject({ bound: 'number_out_of_range', field: 'body.a' });
    const deep = checkJsonBounds('['.repeat(50) + ']'.repeat(50), { ...SMALL, maxDepth: 40, maxValues: 1000 });
    expect(deep).toMatchObject({ bound: 'max_depth', field: `body${'[0]'.repeat(10)}…(29 more)[0]` });
  });

  it('a 4 MiB body of brackets is measured in milliseconds, without recursion', () => {
    const text = '['.repeat(2 * 1024 * 1024) + ']'.repeat(2 * 1024 * 1024);
    const started = performance.now();
    expect(checkJsonBounds(text)?.bound).toBe('max_depth');
    const flat = `[${Array(1_000_000).fill('1').join(',')}]`;
    expect(checkJsonBounds(flat)?.bound).toBe('max_values');
    expect(performance.now() - started).toBeLessThan(500);
  });
});
