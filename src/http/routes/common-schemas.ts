/**
 * Bounded building blocks of the route schemas. Every string, array, record and number a route
 * takes has a bound here, so nothing of an unexpected size or type reaches a store; the JSON body
 * parser (src/http/json-bounds.ts) bounds what is free-form on top (depth, values, key and string
 * length).
 */
import { Type, type TSchema } from 'typebox';
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../../core/names.js';
import { JSON_BOUNDS } from '../json-bounds.js';

/** Ids of organizations, namespaces, keys, memories, feedback, searches. */
export const ID_MAX = 200;
/** Names of things and short labels (external user ids, urls, enum-like values). */
export const SHORT_TEXT_MAX = 4_096;
/** Free text (messages, context); the JSON parser's own string bound. */
export const LONG_TEXT_MAX = JSON_BOUNDS.maxStringLength;
/** Items of a list or entries of a record a client may send in one field. */
export const ITEMS_MAX = 1_000;
/**
 * Offsets of paged lists: the largest OFFSET every store takes as an integer (a JSON number past
 * 2^53 is not an integer any store can bind; 9223372036854775807 reached SQLite as a double).
 */
export const OFFSET_MAX = 2_147_483_647;
/** Counts and caps: whole numbers a double holds exactly and a PostgreSQL bigint takes. */
export const COUNT_MAX = Number.MAX_SAFE_INTEGER;

export const Id = Type.String({ minLength: 1, maxLength: ID_MAX });
export const ShortText = Type.String({ maxLength: SHORT_TEXT_MAX });
export const LongText = Type.String({ maxLength: LONG_TEXT_MAX });
/** The name of an organization, namespace or API key: no control or bidirectional characters (src/core/names.ts). */
export const Name = Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN });

export const OrNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const List = <T extends TSchema>(items: T) => Type.Array(items, { maxItems: ITEMS_MAX });

/** A JSON object whose values Tollgate does not read (stored as sent, bounded by the parser). */
export const FreeObject = Type.Record(Type.String(), Type.Unknown(), { maxProperties: ITEMS_MAX });

/** An object with the fields a client type declares, keeping any others (Papr's `[k: string]: unknown`). */
export const OpenObject = <P extends Record<string, TSchema>>(properties: P) => Type.Object(properties, { additionalProperties: true, maxProperties: ITEMS_MAX });

/** Paged lists: `limit` items from `offset` (or Papr's `skip`). */
export const PageSize = Type.Integer({ minimum: 1, maximum: 1000 });
export const Offset = Type.Integer({ minimum: 0, maximum: OFFSET_MAX });

/**
 * Limit overrides (`rate_limits`) of an organization or namespace, as Papr types them: names to
 * numbers or null (inherit). Which names exist and which take fractions is the tenancy's rule (a
 * 400 naming the field); the bound here keeps a value a PostgreSQL bigint and a double both hold.
 */
export const RATE_LIMIT_FIELDS_MAX = 16;
export const RateLimitValue = Type.Unsafe<number | null>({ type: ['number', 'null'], minimum: 0, maximum: COUNT_MAX });
export const RateLimits = Type.Record(Type.String(), RateLimitValue, { maxProperties: RATE_LIMIT_FIELDS_MAX, propertyNames: { maxLength: 64 } });
export const Environment = Type.Union(['production', 'staging', 'development', 'test'].map((e) => Type.Literal(e)));
export const Permissions = Type.Array(Type.Union([Type.Literal('read'), Type.Literal('write'), Type.Literal('delete')]), { minItems: 1, maxItems: 3 });
