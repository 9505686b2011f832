import type { AuthThrottleConfig } from '../core/config.js';
import type { Clock } from '../core/ports.js';
import { createFixedWindows } from './fixed-windows.js';

/** What an attempt is refused for, and for how long. */
export interface AuthRefusal {
  readonly by: 'client' | 'key';
  readonly retryAfterMs: number;
}

/**
 * Failed authentication, counted in this process per client and per key (an API key's prefix, or
 * ADMIN_KEY_TARGET). A client past its limit is refused; a key past its limit is refused only to
 * clients that have failed themselves in their window, so the holder of a key under a distributed
 * guess, calling from an address that has not failed, is still served.
 */
export interface AuthFailures {
  /** Whether an attempt from `client` presenting `keys` is refused before its key is checked. */
  refusal(client: string, keys: readonly string[]): AuthRefusal | null;
  /** One failed attempt from `client`, against `key` when it named one. */
  record(client: string, key: string | null): void;
  /** How many clients and keys are remembered (at most maxTracked each). */
  tracked(): { clients: number; keys: number };
}

/** The key name failed admin-key attempts are counted under (never an API key prefix: those start with tg_). */
export const ADMIN_KEY_TARGET = 'admin';

export function createAuthFailures(deps: { clock: Clock; config: AuthThrottleConfig }): AuthFailures {
  const { clock, config } = deps;
  const clients = createFixedWindows(clock, config);
  const keys = createFixedWindows(clock, config);
  const off = config.maxFailuresPerClient === 0 && config.maxFailuresPerKey === 0;
  const retryAfterMs = clients.remainingMs;

  return {
    refusal(client, presented) {
      const own = clients.live(client);
      if (!own) return null;
      if (config.maxFailuresPerClient > 0 && own.count >= config.maxFailuresPerClient) return { by: 'client', retryAfterMs: retryAfterMs(own) };
      if (config.maxFailuresPerKey === 0) return null;
      for (const key of presented) {
        const window = keys.live(key);
        // The client may try again when either window ends: its own failures are what let the key's count refuse it.
        if (window && window.count >= config.maxFailuresPerKey) return { by: 'key', retryAfterMs: Math.min(retryAfterMs(window), retryAfterMs(own)) };
      }
      return null;
    },
    record(client, key) {
      if (off) return;
      clients.add(client);
      if (key !== null) keys.add(key);
    },
    tracked: () => ({ clients: clients.size(), keys: keys.size() }),
  };
}
