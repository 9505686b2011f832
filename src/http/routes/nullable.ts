import { Type } from 'typebox';

/**
 * Scalars that may be null, as a JSON Schema type list. The server's Ajv coerces types (query
 * strings need it), and inside `anyOf: [integer, null]` it turns null into 0 before the null
 * branch is tried — `monthly_cap: { mini: null }` ("no cap") became a cap of 0 that refused every
 * call; with the branches swapped, 0 becomes null. A type list coerces nothing that already fits.
 */
export const NullableInteger = (options: { minimum?: number; maximum?: number } = {}) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });
export const NullableNumber = (options: { minimum?: number; maximum?: number } = {}) => Type.Unsafe<number | null>({ type: ['number', 'null'], ...options });
export const NullableString = (options: { format?: string; maxLength?: number } = {}) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
