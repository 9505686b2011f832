import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/**
 * Secrets Tollgate must use again later (a webhook endpoint's signing secret), sealed with
 * AES-256-GCM under a key derived from the server's key secret: a copy of the database alone does
 * not reveal them, and a sealed value that was altered does not open.
 */
export function createSecretSeal(keySecret: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', keySecret, Buffer.alloc(0), `tollgate ${purpose}`, 32));
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  return {
    seal(secret: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [VERSION, b64(iv), b64(cipher.getAuthTag()), b64(sealed)].join('.');
    },
    /** The secret, or null when the value was not sealed under this key or was altered. */
    open(value: string): string | null {
      const [version, iv, tag, sealed] = value.split('.');
      if (version !== VERSION || !iv || !tag || sealed === undefined) return null;
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
