import { TollgateError } from '../core/errors.js';
import type { Settings, StoreCapabilities } from '../stores/contract/index.js';
import { hashApiKey, verifyApiKey } from './api-key-secret.js';

const SETTING = 'key_secret_verifier';
/** What is hashed under the secret. Not of the form of an API key (`tg_…`) or the admin key (`tga_…`), so no stored hash can equal it. */
const PURPOSE = 'tollgate key-secret verifier v1';

export interface KeySecretSource {
  readonly keySecret: string;
  /** The local file the secret was read from (or made in) when TOLLGATE_KEY_SECRET was not set; null when it was configured. */
  readonly keySecretFile: string | null;
}

/**
 * Servers sharing a store must hash API keys under one secret, or a key made through one is
 * answered 401 by the others. The store keeps a verifier of the secret (its keyed hash of a fixed
 * text: it confirms a guess, as any hash would, and gives nothing else), written by the first
 * process to open the store (first writer wins, also on stores made before the verifier existed);
 * every later one must match it or refuses to start with KEY_SECRET_MISMATCH, changing nothing.
 */
export async function verifyKeySecret(settings: Settings, source: KeySecretSource): Promise<'recorded' | 'matched'> {
  let stored = await settings.get(SETTING);
  if (stored === null) {
    if (await settings.putIfAbsent(SETTING, hashApiKey(source.keySecret, PURPOSE))) return 'recorded';
    stored = await settings.get(SETTING); // another process recorded its own first
  }
  if (stored !== null && verifyApiKey(source.keySecret, PURPOSE, stored)) return 'matched';
  throw new TollgateError('KEY_SECRET_MISMATCH', { message: mismatchMessage(source), details: { setting: SETTING, keySecretFile: source.keySecretFile } });
}

function mismatchMessage(source: KeySecretSource): string {
  const what =
    'The key secret of this process is not the one this store was set up with (the store keeps a verifier of it), so every API key ' +
    'and admin key kept in the store would be answered 401 INVALID_API_KEY. Refusing to start; nothing was changed. ';
  return source.keySecretFile === null
    ? what +
        'TOLLGATE_KEY_SECRET (or keySecret in the config file) is set here to another secret: set the same TOLLGATE_KEY_SECRET on every ' +
        "server sharing this store. If the store was set up by a server without TOLLGATE_KEY_SECRET, that server's secret is the " +
        'contents of its tollgate.secret file.'
    : what +
        `TOLLGATE_KEY_SECRET is not set, and this process read its secret from ${source.keySecretFile}, a file of this machine. Set ` +
        'TOLLGATE_KEY_SECRET to the secret the other servers of this store use (the same on every server); or, if this store was set up ' +
        `with the tollgate.secret file of another machine (or an earlier one here), copy that file to ${source.keySecretFile}.`;
}

/** A warning to show at start, or null: a secret kept in a file of this machine, on a store other machines may share. */
export function sharedStoreSecretWarning(capabilities: StoreCapabilities, storeName: string, source: KeySecretSource): string | null {
  if (!capabilities.sharedAcrossMachines || source.keySecretFile === null) return null;
  return (
    `TOLLGATE_KEY_SECRET is not set, and the ${storeName} store can be shared by servers on other machines: this server uses the ` +
    `key secret in ${source.keySecretFile}, a file of this machine only. Every server sharing this store needs the same ` +
    'TOLLGATE_KEY_SECRET (set it to the contents of that file on all of them); a server with another secret refuses to start.'
  );
}
