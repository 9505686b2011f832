/**
 * Off-schema inputs: values of the wrong type or size put anywhere in a valid body, bodies that are
 * not JSON objects at all, and query strings, path parameters and headers a client should not send.
 * JSON a JS value cannot express (a literal 9223372036854775807, 1e400, a `__proto__` key, 10,000
 * levels of nesting) travels as Raw text spliced into the serialised body.
 */
import fc from 'fast-check';

/** JSON text inserted as is. */
export class Raw {
  constructor(readonly text: string) {}
  toString() {
    return this.text.length > 80 ? `Raw(${this.text.slice(0, 60)}… ${this.text.length} chars)` : `Raw(${this.text})`;
  }
}

/** JSON.stringify that splices Raw text in (and writes every own key, `__proto__` included). */
export function serialize(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${serialize((value as Record<string, unknown>)[k])}`).join(',')}}`;
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return JSON.stringify(value) ?? 'null';
}

const nest = (depth: number, open: string, close: string, leaf = '1') => new Raw(open.repeat(depth) + leaf + close.repeat(depth));

/** Values of every troublesome kind, cheap ones far more often than the megabyte ones. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, -0, '', ' ', '0', 'true', 'null', [], {}, [[]], [null], { a: null }) },
  {
    weight: 20,
    arbitrary: fc.constantFrom<unknown>(
      new Raw('9223372036854775807'),
      new Raw('-9223372036854775808'),
      new Raw('99999999999999999999'),
      new Raw('1e400'),
      new Raw('-1e400'),
      new Raw('1E-400'),
      new Raw('0.0000000000000000000000001'),
      new Raw('"\\u0000"'),
      new Raw('"a\\u0000b"'),
      new Raw('"\\ud800"'),
      new Raw('"\\udc00x"'),
      new Raw('"\\ud83d\\ude00"'),
      new Raw('{"__proto__":{"polluted":true}}'),
      new Raw('{"\\u005f_proto__":{"polluted":true}}'),
      new Raw('{"constructor":{"prototype":{"polluted":true}}}'),
      new Raw('{"constructor":"fine"}'),
    ),
  },
  {
    weight: 20,
    arbitrary: fc.constantFrom<unknown>(
      '\u0000',
      'a\u0000b',
      '💩👍🏽 e\u0301 \u202eRTL',
      "' OR 1=1 --",
      '"; DROP TABLE memories; --',
      '%00%ED%A0%80',
      '<script>alert(1)</script>',
      '$where',
      'x'.repeat(201),
      'y'.repeat(4_097),
      'z'.repeat(15_001),
      { $gt: '' },
      { __type: 'Pointer', className: '_User', objectId: 'x' },
      ['a', 1, null, {}],
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
    ),
  },
  { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      nest(33, '{"a":', '}'),
      nest(40, '[', ']'),
      nest(5_000, '[', ']', ''),
      nest(200_000, '[', ']', ''),
      new Raw(`[${Array(10_001).fill('0').join(',')}]`),
      new Raw(`{${Array.from({ length: 1_100 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
      new Raw(`{"${'k'.repeat(300)}":1}`),
      'v'.repeat(65_537),
      'w'.repeat(70_000),
      Array.from({ length: 1_001 }, (_, i) => `t${i}`),
    ),
  },
);

/** Property names worth trying where none is expected. */
export const nastyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'a.b', '$where', 'content', 'metadata', 'ke\u0000y', '🔑', 'x'.repeat(300), 'toString', 'hasOwnProperty');

type Path = (string | number)[];

/** Every path to a node of a JSON value (the root is []). */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (value instanceof Raw || value === null || typeof value !== 'object' || at.length > 6) return out;
  for (const key of Object.keys(value)) pathsOf((value as Record<string, unknown>)[key], [...at, Array.isArray(value) ? Number(key) : key], out);
  return out;
}

function setAt(value: unknown, path: Path, replace: (old: unknown, parent: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value, undefined);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setAt(v, rest, replace) : v));
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (rest.length === 0) {
    const next = replace(copy[head as string], copy);
    if (next === DELETE) delete copy[head as string];
    else Object.defineProperty(copy, head as string, { value: next, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  copy[head as string] = setAt(copy[head as string], rest, replace);
  return copy;
}

const DELETE = Symbol('delete');

export type Mutation = { kind: 'replace'; at: number; value: unknown } | { kind: 'delete'; at: number } | { kind: 'add'; at: number; key: string; value: unknown } | { kind: 'wrap'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nastyValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(nastyKey, fc.string({ maxLength: 10 })), value: nastyValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
);

/** Applies mutations, each at a node picked (by index, modulo) among the value's current nodes. */
export function mutate(value: unknown, mutations: readonly Mutation[]): unknown {
  let current = value;
  for (const m of mutations) {
    const paths = pathsOf(current);
    const path = paths[m.at % paths.length]!;
    if (m.kind === 'replace') current = setAt(current, path, () => m.value);
    else if (m.kind === 'delete') current = path.length === 0 ? current : setAt(current, path, () => DELETE);
    else if (m.kind === 'wrap') current = setAt(current, path, (old) => [old]);
    else {
      current = setAt(current, path, (old) => {
        if (!old || typeof old !== 'object' || old instanceof Raw || Array.isArray(old)) return old;
        const copy = { ...(old as Record<string, unknown>) };
        Object.defineProperty(copy, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
        return copy;
      });
    }
  }
  return current;
}

/** Whole bodies that are not a JSON object, or not JSON. */
export const nastyBodyText: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom<string | Buffer>(
    '',
    ' ',
    'null',
    '[]',
    '[{}]',
    '"content"',
    '123',
    'true',
    '{',
    '{"content":"x"',
    '{"content":"x"}garbage',
    '{"content":"x",}',
    "{'content':'x'}",
    '\uFEFF{"content":"x"}',
    '{"content":"x"}\u0000',
    'content=x',
    Buffer.from([0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Query parameter values, as raw text (already percent-encoded where it matters). */
export const nastyQueryValue = fc.oneof(
  fc.constantFrom(
    '',
    'abc',
    '-1',
    '0',
    '1.5',
    '1e3',
    '0x10',
    '%201',
    'NaN',
    'Infinity',
    '-0',
    '9223372036854775807',
    '99999999999999999999',
    '2147483648',
    'true',
    'null',
    '[]',
    '%ED%A0%80',
    '%',
    '%zz',
    '%00',
    '%F0%9F%92%A9',
    '2026-13',
    '0000-00',
    '9999-99',
    'x'.repeat(5_000),
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);

/** Path parameter values, raw in the URL. */
export const nastyPathValue = fc.oneof(
  fc.constantFrom('%ED%A0%80', '%C0%AF', '%00', '%', '%zz', '..', '%2E%2E', '%2F', 'a%2Fb', '-1', '0', 'null', 'undefined', '%20', "'%20OR%201%3D1", 'x'.repeat(100), 'x'.repeat(101), 'x'.repeat(3_000), '%F0%9F%92%A9', 'mem_', 'key_x'),
  fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);

/** Header values a client can put on the wire (visible ASCII and Latin-1, no control characters). */
export const headerText = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom('', ' ', 'x'.repeat(300), 'x'.repeat(9_000), 'caf\u00e9', '\u00ff\u00fe', 'null', 'Bearer', 'APIKey  ', 'Basic dXNlcjpwYXNz'),
);
