/**
 * Values from a route's JSON schema (as the OpenAPI document gives it): mostly valid, small, with
 * the bounds' edges (empty, exactly the maximum) now and then. `hints` fill named properties from
 * pools (ids that exist, words a search finds) so valid requests reach the handlers and the stores.
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
};

export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

/** Generated strings and lists stay short; the edges are reached through `edge`. */
const SMALL_TEXT = 24;
const SMALL_LIST = 3;

const word = fc.constantFrom('alpha', 'dark', 'mode', 'meeting', 'Thursday', 'café', '日本語', 'emoji 🙂', 'x');
const text = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: SMALL_TEXT }) }, { weight: 2, arbitrary: fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')) });

export function arbitraryFor(schema: JsonSchema | undefined, hints: Hints = {}, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || Object.keys(schema).length === 0) return freeJson(depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => arbitraryFor(b, hints, depth)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => arbitraryFor({ ...schema, type }, hints, depth)));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return numberFor(schema);
    case 'string':
      return stringFor(schema);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.max(min, Math.min(schema.maxItems ?? SMALL_LIST, SMALL_LIST));
      return fc.array(arbitraryFor(schema.items, hints, depth + 1), { minLength: min, maxLength: max });
    }
    case 'object':
    default:
      return objectFor(schema, hints, depth);
  }
}

function objectFor(schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const entries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const hinted = hints[`${name}:${typeof property.type === 'string' ? property.type : ''}`] ?? hints[name];
    entries[name] = hinted ? fc.oneof({ weight: 4, arbitrary: hinted }, { weight: 1, arbitrary: arbitraryFor(property, hints, depth + 1) }) : arbitraryFor(property, hints, depth + 1);
  }
  const optional = Object.keys(properties).filter((k) => !required.has(k));
  const known = fc.record(entries, { requiredKeys: [...required] as never[] });
  const open = schema.additionalProperties !== false && depth < 3;
  const patterned = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  const extra = open || patterned ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), patterned ? arbitraryFor(patterned, hints, depth + 1) : freeJson(depth + 1), { maxKeys: optional.length || patterned ? 2 : 3 }) : fc.constant({});
  return fc.tuple(extra, known).map(([more, base]) => ({ ...more, ...(base as object) }));
}

function numberFor(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  const edges = fc.constantFrom(min, max);
  if (schema.type === 'integer') {
    const small = fc.integer({ min: Math.max(min, -1_000), max: Math.min(max, Math.max(min, -1_000) + 2_000) });
    return fc.oneof({ weight: 4, arbitrary: small }, { weight: 1, arbitrary: edges });
  }
  return fc.oneof({ weight: 4, arbitrary: fc.double({ min: Math.max(min, -1e6), max: Math.min(max, 1e6), noNaN: true, noDefaultInfinity: true }) }, { weight: 1, arbitrary: edges });
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc.oneof(
      fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2026-12-31T23:59:60Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999+14:00', '2026-11-15T12:00:00.000Z'),
    );
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 100_000;
  const within = text.filter((s) => s.length >= min && s.length <= max);
  const fill = (n: number) => fc.constant('w'.repeat(Math.max(0, n)));
  return fc.oneof({ weight: 20, arbitrary: within }, { weight: 1, arbitrary: fill(Math.max(min, 1)) }, { weight: 1, arbitrary: fill(Math.min(max, 70_000)) });
}

/** Anything JSON, small: what a free-form field may hold. */
export function freeJson(depth = 0): fc.Arbitrary<unknown> {
  return depth > 3 ? fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)) : fc.jsonValue({ maxDepth: 2, depthSize: 'small' });
}
