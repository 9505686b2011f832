/**
 * Bounds every JSON body must keep before it is parsed: how deep it nests, how many values it
 * holds, how long its strings and keys are, and no prototype-poisoning keys. A free-form field
 * (metadata, graph_generation, feedbackData, …) is stored and serialised again by recursive code
 * (JSON.stringify, drivers), so an unbounded one ends in a stack overflow or a store error.
 *
 * The check is one pass over the text with an explicit stack, before JSON.parse: a body is refused
 * without building it, a 4 MiB body of brackets costs a few milliseconds instead of the ~1 s
 * JSON.parse spends on it, and nothing recurses. The scanner only measures: it does not decide what
 * is valid JSON (JSON.parse does, after it), so on malformed text it may stop early or pass.
 */
export interface JsonBounds {
  /** Containers (objects and arrays) nested inside each other, the body itself counting as 1. */
  readonly maxDepth: number;
  /** Values in the whole body: every object, array, string, number, boolean and null. */
  readonly maxValues: number;
  /** UTF-16 code units of one string value. */
  readonly maxStringLength: number;
  /** UTF-16 code units of one object key. */
  readonly maxKeyLength: number;
}

/**
 * Depth 32: the deepest Papr shape (memory_policy → node_constraints → set → field → value) nests
 * about 8. 10,000 values: a full batch (50 memories with rich metadata) holds ~2,000. 65,536 code
 * units per string: over four times the 15,000-byte content limit, which stays the content's own
 * (413 with its own message). 256 per key: metadata keys are names, not text.
 */
export const JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxValues: 10_000, maxStringLength: 65_536, maxKeyLength: 256 };

export type JsonBoundKind = 'max_depth' | 'max_values' | 'max_string_length' | 'max_key_length' | 'forbidden_key' | 'nul_character' | 'lone_surrogate' | 'number_out_of_range';

export interface JsonBoundViolation {
  readonly bound: JsonBoundKind;
  /** Where, as `body.metadata.a[3].b`, shortened past 12 steps. */
  readonly field: string;
  /** The bound's value (for the max_* bounds). */
  readonly limit?: number;
  /** What the body had (length, depth, count), for the max_* bounds. */
  readonly actual?: number;
  /** The key, for forbidden_key. */
  readonly key?: string;
}

interface Frame {
  readonly array: boolean;
  /** Objects: the key whose value comes next (or came last). */
  key: string;
  /** Objects: a key is expected next (after `{` or `,`). */
  expectKey: boolean;
  /** Arrays: the index of the element being read. */
  index: number;
  /** Objects that are the value of a "constructor" key: "prototype" is forbidden inside. */
  readonly underConstructor: boolean;
}

const MAX_PATH_STEPS = 12;
const MAX_KEY_IN_PATH = 40;

/** The first bound the text breaks, or null. */
export function checkJsonBounds(text: string, bounds: JsonBounds = JSON_BOUNDS): JsonBoundViolation | null {
  const stack: Frame[] = [];
  let values = 0;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;

  /** Counts the value that starts here, in its parent frame. */
  const startValue = (): JsonBoundViolation | null => {
    values += 1;
    if (values > bounds.maxValues) return { bound: 'max_values', field: pathOf(stack), limit: bounds.maxValues, actual: values };
    return null;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    // whitespace
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i += 1;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const counted = startValue();
      if (counted) return counted;
      if (stack.length + 1 > bounds.maxDepth) return { bound: 'max_depth', field: pathOf(stack), limit: bounds.maxDepth, actual: stack.length + 1 };
      const underConstructor = !!top && !top.array && top.key === 'constructor';
      stack.push({ array: c === 0x5b, key: '', expectKey: c === 0x7b, index: 0, underConstructor });
      i += 1;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i += 1;
      continue;
    }
    if (c === 0x2c /* , */) {
      if (top?.array) top.index += 1;
      else if (top) top.expectKey = true;
      i += 1;
      continue;
    }
    if (c === 0x3a /* : */) {
      i += 1;
      continue;
    }
    if (c === 0x22 /* " */) {
      const isKey = !!top && !top.array && top.expectKey;
      if (!isKey) {
        const counted = startValue();
        if (counted) return counted;
      }
      const scanned = scanString(text, i);
      if (isKey) {
        const where = pathOf(stack, false);
        if (scanned.problem) return { bound: scanned.problem, field: `${where} (a key)` };
        if (scanned.length > bounds.maxKeyLength) return { bound: 'max_key_length', field: `${where} (a key)`, limit: bounds.maxKeyLength, actual: scanned.length };
        top.key = decodeKey(text, i, scanned.end, scanned.escaped);
        top.expectKey = false;
        if (top.key === '__proto__' || (top.key === 'prototype' && top.underConstructor)) return { bound: 'forbidden_key', field: pathOf(stack), key: top.key };
      } else {
        if (scanned.problem) return { bound: scanned.problem, field: pathOf(stack) };
        if (scanned.length > bounds.maxStringLength) return { bound: 'max_string_length', field: pathOf(stack), limit: bounds.maxStringLength, actual: scanned.length };
      }
      if (scanned.end < 0) return null; // unterminated: JSON.parse will say so
      i = scanned.end + 1;
      continue;
    }
    // a number, true, false or null (or junk JSON.parse will refuse): up to the next delimiter
    const counted = startValue();
    if (counted) return counted;
    let j = i;
    while (j < n && !isDelimiter(text.charCodeAt(j))) j += 1;
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const token = text.slice(i, j);
      // Only long tokens or exponents can overflow a double to ±Infinity (1e400).
      if ((token.length > 15 || /[eE]/.test(token)) && !Number.isFinite(Number(token))) return { bound: 'number_out_of_range', field: pathOf(stack) };
    }
    i = j === i ? i + 1 : j;
  }
  return null;
}

function isDelimiter(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a || c === 0x22 || c === 0x7b || c === 0x5b || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * A string token starting at the quote at `start`: its decoded length in UTF-16 code units, the
 * index of its closing quote (-1 when unterminated), whether it has escapes, and a problem: an
 * escaped NUL (PostgreSQL text and jsonb cannot hold U+0000) or an escaped lone surrogate (not
 * Unicode text; PostgreSQL jsonb refuses it, other stores would store U+FFFD).
 */
function scanString(text: string, start: number): { length: number; end: number; escaped: boolean; problem?: 'nul_character' | 'lone_surrogate' } {
  let length = 0;
  let escaped = false;
  let pendingHigh = false;
  let j = start + 1;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      if (pendingHigh) return { length, end: j, escaped, problem: 'lone_surrogate' };
      return { length, end: j, escaped };
    }
    if (c === 0x5c /* \ */) {
      escaped = true;
      const next = text.charCodeAt(j + 1);
      if (next === 0x75 /* u */) {
        const code = Number.parseInt(text.slice(j + 2, j + 6), 16);
        if (code >= 0xdc00 && code <= 0xdfff) {
          if (!pendingHigh) return { length, end: j, escaped, problem: 'lone_surrogate' };
          pendingHigh = false;
        } else if (pendingHigh) {
          return { length, end: j, escaped, problem: 'lone_surrogate' };
        } else if (code === 0) {
          return { length, end: j, escaped, problem: 'nul_character' };
        } else if (code >= 0xd800 && code <= 0xdbff) {
          pendingHigh = true;
        }
        j += 6;
      } else {
        if (pendingHigh) return { length, end: j, escaped, problem: 'lone_surrogate' };
        j += 2;
      }
      length += 1;
      continue;
    }
    if (pendingHigh) {
      // A raw low surrogate after an escaped high one still makes a pair.
      if (c >= 0xdc00 && c <= 0xdfff) {
        pendingHigh = false;
        length += 1;
        j += 1;
        continue;
      }
      return { length, end: j, escaped, problem: 'lone_surrogate' };
    }
    length += 1;
    j += 1;
  }
  return { length, end: -1, escaped };
}

function decodeKey(text: string, start: number, end: number, escaped: boolean): string {
  if (end < 0) return text.slice(start + 1);
  if (!escaped) return text.slice(start + 1, end);
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return text.slice(start + 1, end);
  }
}

/**
 * `body.metadata.a[3].b` for the value being read (or, without `current`, for the container whose
 * key is being read); keys that are not plain names are quoted.
 */
function pathOf(stack: readonly Frame[], current = true): string {
  const steps: string[] = [];
  const last = current ? stack.length : stack.length - 1;
  for (let k = 0; k < last; k += 1) {
    const frame = stack[k]!;
    steps.push(frame.array ? `[${frame.index}]` : stepOf(frame.key));
  }
  const shown = steps.length > MAX_PATH_STEPS ? [...steps.slice(0, MAX_PATH_STEPS - 2), `…(${steps.length - MAX_PATH_STEPS + 1} more)`, steps[steps.length - 1]!] : steps;
  return `body${shown.join('')}`;
}

function stepOf(key: string): string {
  const short = key.length > MAX_KEY_IN_PATH ? `${key.slice(0, MAX_KEY_IN_PATH)}…` : key;
  return /^[A-Za-z_$][\w$-]*$/.test(short) ? `.${short}` : `[${JSON.stringify(short)}]`;
}
