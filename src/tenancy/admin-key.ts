import { TollgateError } from '../core/errors.js';
import type { Settings } from '../stores/contract/index.js';
import { hashApiKey, verifyApiKey } from './api-key-secret.js';
import { randomBase62 } from './random-id.js';

const SETTING = 'admin_key_hash';

/** The admin key opens every organization: one set by the operator is at least this long (a generated one has 44 characters). */
export const ADMIN_KEY_MIN_LENGTH = 32;

export interface AdminKeys {
  verify(given: string | null | undefined): Promise<boolean>;
}

/**
 * The admin key: TOLLGATE_ADMIN_KEY when the operator sets one; otherwise one generated on first
 * start, shown once, and kept only as its keyed hash in the store (like API keys).
 */
export function createAdminKeys(deps: { settings: Settings; keySecret: string; configured: string | null }): AdminKeys & {
  /** Makes the admin key if none exists yet; returns it when it was just made (to be shown once). */
  ensure(): Promise<string | null>;
} {
  if (deps.configured && deps.configured.length < ADMIN_KEY_MIN_LENGTH) {
    const problem = `TOLLGATE_ADMIN_KEY (adminKey): must be at least ${ADMIN_KEY_MIN_LENGTH} characters, got ${deps.configured.length}`;
    throw new TollgateError('CONFIG_INVALID', { message: `${problem}. Leave it unset to have one generated, or make one with: openssl rand -base64 32`, details: { problems: [problem] } });
  }
  const configuredHash = deps.configured ? hashApiKey(deps.keySecret, deps.configured) : null;
  return {
    async ensure() {
      if (deps.configured) return null;
      if (await deps.settings.get(SETTING)) return null;
      const key = `tga_${randomBase62(40)}`;
      return (await deps.settings.putIfAbsent(SETTING, hashApiKey(deps.keySecret, key))) ? key : null;
    },
    async verify(given) {
      if (!given) return false;
      const stored = configuredHash ?? (await deps.settings.get(SETTING));
      return stored !== null && verifyApiKey(deps.keySecret, given, stored);
    },
  };
}
