import { UNSAFE_TEXT_CHARACTERS } from '../core/names.js';

/**
 * What the CLI prints may come from tenants (names stored before they were refused, anything a
 * store holds), and a terminal runs control characters: ESC clears the screen, prints fake lines,
 * writes hyperlinks; bidirectional controls reorder what the operator reads. Such characters are
 * printed visibly instead, as \x1b or \u202e.
 */
const UNSAFE = new RegExp(`[${UNSAFE_TEXT_CHARACTERS}]`, 'gu');

const hex = (c: string, digits: number) => c.codePointAt(0)!.toString(16).padStart(digits, '0');

/** Text for a terminal: each control or bidirectional character as \xNN (up to U+00FF) or \uNNNN. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => (c.codePointAt(0)! <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/**
 * JSON for a terminal, of the same value: JSON.stringify escapes U+0000 to U+001F in strings (so
 * a raw one in its output is its own line break) but leaves DEL, C1 and bidirectional controls
 * raw; those are written as \u escapes too.
 */
export function jsonForTerminal(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE, (c) => (c < ' ' ? c : `\\u${hex(c, 4)}`));
}
