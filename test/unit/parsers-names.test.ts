import { describe, expect, it } from 'vitest';
import { NAME_MAX_LENGTH, NAME_PATTERN, nameProblem, UNSAFE_TEXT_CHARACTERS } from '../../src/core/names.js';

// Mutation testing (issue 20): which names are refused (empty, too long, each refused character class
// at both ends of its range) and which are accepted (any script, emoji, the characters next to a range).

const LENGTH = 'required, 1 to 200 characters';
const CONTROLS =
  'must not hold control characters (U+0000 to U+001F, U+007F to U+009F) or bidirectional controls (U+202A to U+202E, U+2066 to U+2069)';
const pattern = new RegExp(NAME_PATTERN, 'u');

describe('names of organizations, namespaces and keys', () => {
  it('are 1 to 200 characters of text', () => {
    expect(NAME_MAX_LENGTH).toBe(200);
    expect(nameProblem('a')).toBeNull();
    expect(nameProblem('a'.repeat(200))).toBeNull();
    for (const bad of ['', 'a'.repeat(201), undefined, null, 7, ['a'], { name: 'a' }]) expect(nameProblem(bad)).toBe(LENGTH);
  });

  it.each([
    ['NUL', 0x0000],
    ['TAB', 0x0009],
    ['LF', 0x000a],
    ['ESC', 0x001b],
    ['US', 0x001f],
    ['DEL', 0x007f],
    ['PAD (first C1)', 0x0080],
    ['CSI', 0x009b],
    ['APC (last C1)', 0x009f],
    ['LRE', 0x202a],
    ['RLO', 0x202e],
    ['LRI', 0x2066],
    ['PDI', 0x2069],
  ])('refuse %s (U+%s) anywhere in the name', (_, code) => {
    const c = String.fromCodePoint(code);
    for (const name of [c, `a${c}`, `${c}a`, `org ${c} name`]) {
      expect(nameProblem(name)).toBe(CONTROLS);
      expect(pattern.test(name)).toBe(false);
    }
  });

  it.each([
    ['space', ' '],
    ['~ (U+007E, before DEL)', '~'],
    ['NBSP (U+00A0, after C1)', '\u00a0'],
    ['U+2029 (before LRE)', '\u2029'],
    ['NNBSP U+202F (after RLO)', '\u202f'],
    ['U+2065 (before LRI)', '\u2065'],
    ['U+206A (after PDI)', '\u206a'],
    ['Latin with accents', 'Société Générale'],
    ['Cyrillic', 'Организация'],
    ['Greek', 'Εταιρεία'],
    ['Arabic', 'شركة'],
    ['Hebrew', 'חברה'],
    ['CJK', '株式会社テスト'],
    ['Hangul', '회사'],
    ['Devanagari', 'कंपनी'],
    ['emoji', 'team 🚀'],
    ['punctuation', "acme-prod_2 (eu) / O'Brien & co."],
  ])('accept %s', (_, name) => {
    expect(nameProblem(name)).toBeNull();
    expect(pattern.test(name)).toBe(true);
  });

  it('the JSON Schema pattern refuses exactly what nameProblem refuses', () => {
    expect(NAME_PATTERN).toBe(`^[^${UNSAFE_TEXT_CHARACTERS}]*$`);
    expect(UNSAFE_TEXT_CHARACTERS).toBe('\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069');
  });
});
