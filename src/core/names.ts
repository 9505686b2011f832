/**
 * What the name of an organization, a namespace or an API key may hold. Names are chosen by
 * tenants and shown to operators in terminals and pages, so none holds a C0 or C1 control or DEL
 * (a terminal runs them: ESC clears the screen, prints fake lines, writes hyperlinks) or a
 * bidirectional embedding, override or isolate (they reorder what the reader sees).
 */
export const NAME_MAX_LENGTH = 200;

/** The refused characters, as the body of a regular-expression character class. */
export const UNSAFE_TEXT_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069';

/** A name's JSON Schema pattern (ECMA-262 syntax, as Ajv and the OpenAPI document read it). */
export const NAME_PATTERN = `^[^${UNSAFE_TEXT_CHARACTERS}]*$`;

// No 'u' flag: every refused range lies in the Basic Multilingual Plane outside the surrogates, so it matches the same either way.
const UNSAFE = new RegExp(`[${UNSAFE_TEXT_CHARACTERS}]`);

/** What is wrong with a name, said for the field it came in; null when it is a fine name. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_MAX_LENGTH) return `required, 1 to ${NAME_MAX_LENGTH} characters`;
  if (UNSAFE.test(name)) return 'must not hold control characters (U+0000 to U+001F, U+007F to U+009F) or bidirectional controls (U+202A to U+202E, U+2066 to U+2069)';
  return null;
}
