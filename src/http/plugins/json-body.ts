import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError } from '../../core/errors.js';
import { JSON_BOUNDS, checkJsonBounds, type JsonBoundViolation, type JsonBounds } from '../json-bounds.js';

export interface JsonBodyOptions {
  /** The memory content limit: strings may always be that long, so content over it answers its own 413. */
  readonly maxContentBytes: number;
  readonly bounds?: Partial<JsonBounds>;
}

/**
 * The application/json parser of every route, replacing Fastify's: the body's bounds are checked
 * (json-bounds.ts) before it is parsed, so a body too deep, too large in values, keys or strings,
 * or carrying `__proto__` / `constructor.prototype` keys (as Fastify's secure-json-parse refused)
 * never reaches a handler or a store. Refusals name the field and the bound: 400
 * VALIDATION_FAILED, or 413 CONTENT_TOO_LARGE for a string over the length bound (a size, as the
 * body limit and the content limit are).
 */
export const jsonBodyPlugin = fp(async (app: FastifyInstance, options: JsonBodyOptions) => {
  const bounds: JsonBounds = {
    ...JSON_BOUNDS,
    ...options.bounds,
    maxStringLength: Math.max(options.bounds?.maxStringLength ?? JSON_BOUNDS.maxStringLength, options.maxContentBytes),
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseBoundedJson(text as string, bounds));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
});

/** Checks the bounds, then parses; every failure is a TollgateError naming the field. */
export function parseBoundedJson(text: string, bounds: JsonBounds = JSON_BOUNDS): unknown {
  if (text.length === 0 || /^\s*$/.test(text)) {
    throw new TollgateError('VALIDATION_FAILED', { message: 'Invalid request: the body is empty but Content-Type is application/json.', details: { field: 'body' } });
  }
  const violation = checkJsonBounds(text, bounds);
  if (violation) throw refusal(violation);
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new TollgateError('VALIDATION_FAILED', {
      message: `Invalid request: the body is not valid JSON (${(error as Error).message}).`,
      details: { field: 'body' },
      cause: error,
    });
  }
}

function refusal(v: JsonBoundViolation): TollgateError {
  const details = { field: v.field, bound: v.bound, ...(v.limit !== undefined ? { limit: v.limit, actual: v.actual } : {}) };
  switch (v.bound) {
    case 'max_string_length':
      return new TollgateError('CONTENT_TOO_LARGE', { message: `${v.field} is ${v.actual} characters long; a string in a request holds at most ${v.limit}.`, details });
    case 'max_depth':
      return invalid(`${v.field} nests ${v.actual} levels deep; a request body nests at most ${v.limit}.`, details);
    case 'max_values':
      return invalid(`the body holds more than ${v.limit} values (keys and array elements), reached at ${v.field}.`, details);
    case 'max_key_length':
      return invalid(`${v.field} is ${v.actual} characters long; a key holds at most ${v.limit}.`, details);
    case 'forbidden_key':
      return invalid(`${v.field}: the key "${v.key}" is not allowed (prototype poisoning).`, details);
    case 'nul_character':
      return invalid(`${v.field} contains a NUL character (\\u0000), which no store keeps.`, details);
    case 'lone_surrogate':
      return invalid(`${v.field} contains a lone UTF-16 surrogate escape, which is not Unicode text.`, details);
    case 'number_out_of_range':
      return invalid(`${v.field} is a number out of range (it overflows a double).`, details);
  }
}

const invalid = (message: string, details: Record<string, unknown>) => new TollgateError('VALIDATION_FAILED', { message: `Invalid request: ${message}`, details });
