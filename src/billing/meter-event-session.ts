/**
 * The short-lived token the v2 meter event stream is sent with. Stripe's meter event sessions last
 * 15 minutes; one is reused until shortly before it ends (a request in flight must not outlive it),
 * and dropped early when the stream answers that it expired.
 */
import type { Clock } from '../core/ports.js';

export interface MeterEventSessionToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

export interface MeterEventSessionCache {
  /** A token valid for at least the margin, creating a session when there is none. */
  token(): Promise<string>;
  /** Forgets the token (the stream said it expired): the next call creates a session. */
  invalidate(): void;
}

/** Tokens are renewed this long before they expire. */
export const SESSION_RENEWAL_MARGIN_MS = 60_000;

export function createMeterEventSessionCache(createSession: () => Promise<MeterEventSessionToken>, clock: Clock): MeterEventSessionCache {
  let current: MeterEventSessionToken | null = null;
  // Concurrent senders share one creation instead of opening a session each.
  let pending: Promise<MeterEventSessionToken> | null = null;
  return {
    async token() {
      if (current && current.expiresAtMs - clock.now() > SESSION_RENEWAL_MARGIN_MS) return current.token;
      pending ??= createSession().finally(() => {
        pending = null;
      });
      current = await pending;
      return current.token;
    },
    invalidate() {
      current = null;
    },
  };
}
