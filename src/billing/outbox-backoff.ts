/**
 * When a failed delivery is tried again (pure): exponential backoff with full jitter (the wait is
 * uniform between zero and the doubled step, capped), and a maximum age past which the entry becomes
 * a dead letter. Full jitter spreads a crowd of retries after a receiver's outage instead of sending
 * them back in lock-step.
 */
export interface RetryPolicy {
  /** The first retry's step; each later attempt doubles it. */
  readonly baseMs: number;
  readonly capMs: number;
  /** From the entry's creation: no attempt is scheduled after this. */
  readonly maxAgeMs: number;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Webhooks: retried for three days, at most an hour apart (receivers deduplicate on webhook-id). */
export const WEBHOOK_RETRY: RetryPolicy = Object.freeze({ baseMs: 5_000, capMs: HOUR_MS, maxAgeMs: 3 * DAY_MS });
/** Meter events: Stripe takes timestamps up to 35 days old; give up at 30 so a late send is not refused for age. */
export const METER_RETRY: RetryPolicy = Object.freeze({ baseMs: 1_000, capMs: 15 * 60 * 1000, maxAgeMs: 30 * DAY_MS });

/**
 * The instant of the next attempt after `attempts` attempts, or null when it would fall past the
 * maximum age. `atLeastMs` is a wait the receiver asked for (Retry-After), honoured up to the cap.
 * `random` is in [0, 1).
 */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, createdAtMs: number, nowMs: number, random: number, atLeastMs = 0): number | null {
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  const wait = Math.max(Math.min(atLeastMs, policy.capMs), Math.floor(random * step));
  const at = nowMs + wait;
  return at - createdAtMs > policy.maxAgeMs ? null : at;
}
