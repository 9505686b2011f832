import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS: under ESM its default export arrives wrapped.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((formatsModule as unknown as { default?: AddFormats }).default ?? formatsModule) as unknown as AddFormats;

const common: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

/**
 * Bodies are JSON and already typed: they are validated as they are, never coerced (coercion turned
 * `"external_user_id": null` into "" and `"is_active": null` into false). Query strings, path
 * parameters and headers arrive as text, so those are coerced to the schema's scalar types, and
 * their text must be Unicode without NUL (`%00` decodes to U+0000, which PostgreSQL text refuses);
 * bodies get the same rule from the JSON parser (json-bounds.ts).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = withFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: true }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict.compile(schema as object) : withPlainText(coercing.compile(schema as object)));
}

/**
 * ajv-formats, with a date-time that is also a time: RFC 3339 allows a leap second
 * ("2026-12-31T23:59:60Z") that Date.parse cannot read, and its NaN reached the stores as an
 * expiry (PostgreSQL refused the bigint).
 */
function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  const rfc3339 = ajv.formats['date-time'] as { validate: (text: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => rfc3339.validate(text) && Number.isFinite(Date.parse(text)), compare: rfc3339.compare });
  return ajv;
}

/** NUL, or a UTF-16 surrogate not in a pair. */
const BAD_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The validator, after a check that no value (or list item) of the request part holds bad text. */
function withPlainText(validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown) => {
    const bad = badTextIn(data);
    if (bad !== null) {
      const error: ErrorObject = { keyword: 'text', instancePath: `/${bad}`, schemaPath: '#/text', params: {}, message: 'must be Unicode text without NUL characters' };
      check.errors = [error];
      return false;
    }
    const valid = validate(data);
    check.errors = validate.errors ?? null;
    return valid;
  }) as ValidateFunction;
  return check;
}

function badTextIn(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  for (const [name, value] of Object.entries(data)) {
    const values = Array.isArray(value) ? value : [value];
    if (BAD_TEXT.test(name) || values.some((v) => typeof v === 'string' && BAD_TEXT.test(v))) return name.replace(/[\0\ud800-\udfff]/g, '\ufffd');
  }
  return null;
}
