import { TollgateError } from './errors.js';

/** How many active keys an organization, and the namespace a key is made in, may have; null: no limit. */
export interface KeyLimits {
  readonly organization: number | null;
  readonly namespace: number | null;
}

export const NO_KEY_LIMITS: KeyLimits = Object.freeze({ organization: null, namespace: null });

/** A key that still authenticates: neither revoked nor expired. */
export function isActiveKey(key: { readonly revokedAt: number | null; readonly expiresAt: number | null }, nowMs: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > nowMs);
}

/**
 * The refusal of one more key when `active` keys already count against a limit (max_api_keys), or
 * null when it fits. Stores call it in the transaction that inserts the key.
 */
export function keyLimitRefusal(active: { readonly organization: number; readonly namespace: number }, limits: KeyLimits): TollgateError | null {
  for (const scope of ['organization', 'namespace'] as const) {
    const limit = limits[scope];
    const used = active[scope];
    if (limit === null || used < limit) continue;
    return new TollgateError('RESOURCE_LIMIT_EXCEEDED', {
      message: `Key limit reached: the ${scope} has ${used} of ${limit} active API keys. Revoke a key or ask for a higher max_api_keys.`,
      details: { error: 'Key limit reached', limit_name: 'max_api_keys', current_count: used, limit, requested: 1, scope },
    });
  }
  return null;
}
