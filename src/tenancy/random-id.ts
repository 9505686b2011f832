import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random base62 text (rejection sampling: no character is likelier than another). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdKind = 'org' | 'ns' | 'key' | 'usr' | 'ws' | 'sub' | 'mem' | 'fb' | 'chg' | 'wh';

/** Ids are a readable kind prefix and 16 random base62 characters (~95 bits). */
export function newId(kind: IdKind): string {
  return `${kind}_${randomBase62(16)}`;
}
