import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from './random-id.js';

/**
 * An API key is `tg_<lookup>_<secret>`: 12 base62 characters that find the record (and are shown
 * as the key's prefix) and 32 that only the holder knows (~190 bits). Only HMAC-SHA-256(server
 * secret, whole key) is stored, so a copy of the database alone does not let anyone check guesses.
 */
const KEY_PATTERN = /^tg_([A-Za-z0-9]{12})_([A-Za-z0-9]{32})$/;

export interface GeneratedApiKey {
  /** The whole key: shown once, never stored. */
  readonly key: string;
  /** The visible part, e.g. "tg_Ab12Cd34Ef56". */
  readonly prefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const lookup = randomBase62(12);
  return { key: `tg_${lookup}_${randomBase62(32)}`, prefix: `tg_${lookup}` };
}

/** The prefix of a well-formed key, or null: malformed keys are refused before any lookup. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  return match ? `tg_${match[1]}` : null;
}

export function hashApiKey(serverSecret: string, key: string): string {
  return createHmac('sha256', serverSecret).update(key).digest('hex');
}

/** Compares in constant time: how much of a guess matched does not show in the timing. */
export function verifyApiKey(serverSecret: string, key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(serverSecret, key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
