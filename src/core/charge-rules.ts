/**
 * The arithmetic every store must agree on, in one place: the multi-scope limit check and the
 * sliding minute window. Stores that decide inside their database (a Lua script, a SQL function)
 * implement the same rules, and the conformance suite holds them to it.
 */

export interface LineLimit {
  /** What the call adds (negative for a release). */
  readonly amount: number;
  /** Hard limit of the counter; null counts without limiting. */
  readonly limit: number | null;
}

/**
 * Index of the first line the call would push past its limit, or -1 when the call fits every
 * scope. `used[i]` is line i's counter before the call.
 */
export function findRefusingLine(lines: readonly LineLimit[], used: readonly number[]): number {
  for (let i = 0; i < lines.length; i++) {
    const { limit, amount } = lines[i]!;
    // used + amount <= limit passes: a call that lands exactly on the limit is allowed.
    if (limit !== null && amount > 0 && used[i]! + amount > limit) return i;
  }
  return -1;
}

/**
 * Why a call was refused, as analytics group it: "quota:<scope>" (monthly interactions),
 * "active_memories:<scope>", "storage:<scope>", "rate", "subscription:<status>", "plan_unknown".
 */
/** Observe mode: a refusal reason a call would have had, recorded while the call was granted. */
export const OBSERVED_PREFIX = 'observed:';

export function limitRefusalReason(scope: string, metric: string): string {
  if (metric === 'active_memories') return `active_memories:${scope}`;
  if (metric === 'storage_bytes') return `storage:${scope}`;
  return `quota:${scope}`;
}

export const RATE_REFUSAL = 'rate';

export interface RateWindowCounts {
  /** Calls counted in the current fixed window. */
  readonly current: number;
  /** Calls counted in the window before it. */
  readonly previous: number;
}

export interface RateVerdict {
  readonly allowed: boolean;
  readonly limit: number;
  /** Calls left in the sliding window after this call (if allowed). */
  readonly remaining: number;
  /** When the current fixed window ends, epoch ms. */
  readonly resetAtMs: number;
  /** For a refused call: how long until a call would pass; 0 when allowed. */
  readonly retryAfterMs: number;
}

export function windowStartOf(atMs: number, windowMs: number): number {
  return Math.floor(atMs / windowMs) * windowMs;
}

/**
 * Sliding window approximated from two fixed windows (as Cloudflare and Upstash do): the previous
 * window's count weighs by how much of it still overlaps the sliding window. It needs two counters
 * per key instead of a log of timestamps, and stays within a call or two of an exact sliding log.
 */
export function evaluateSlidingWindow(limit: number, windowMs: number, counts: RateWindowCounts, atMs: number): RateVerdict {
  const windowStart = windowStartOf(atMs, windowMs);
  const resetAtMs = windowStart + windowMs;
  const elapsed = (atMs - windowStart) / windowMs;
  const estimate = Math.floor(counts.previous * (1 - elapsed)) + counts.current;
  if (estimate + 1 <= limit) {
    return { allowed: true, limit, remaining: limit - estimate - 1, resetAtMs, retryAfterMs: 0 };
  }
  return { allowed: false, limit, remaining: 0, resetAtMs, retryAfterMs: retryAfter(limit, windowMs, counts, windowStart, atMs) };
}

/**
 * Which of a call's windows speaks for them all (headers, Retry-After): one that refuses before one
 * that allows, and of two that refuse the one that frees later, so that a retry after it finds
 * every window open; of two that allow, the one with fewer calls left; the first on a tie. A window
 * that allows waits 0 ms and one that refuses at least 1 ms, so one comparison does all of it.
 */
export function isTighterWindow(a: Pick<RateVerdict, 'remaining' | 'retryAfterMs'>, b: Pick<RateVerdict, 'remaining' | 'retryAfterMs'>): boolean {
  return a.retryAfterMs > b.retryAfterMs || (a.retryAfterMs === b.retryAfterMs && a.remaining < b.remaining);
}

export interface WindowRule {
  readonly limit: number;
  readonly windowMs: number;
}

export interface WindowsVerdict {
  /** Every window allows the call. */
  readonly allowed: boolean;
  /** The window that speaks for them all (isTighterWindow): an index into the rules, and its verdict. */
  readonly told: number;
  readonly verdict: RateVerdict;
}

/**
 * A call against every minute window it counts in: allowed only when each one allows it (and then
 * counted in each). `counts` holds each window's current and previous count in turn, two numbers
 * per rule. Null for a call without windows.
 */
export function evaluateWindows(rules: readonly WindowRule[], counts: readonly number[], atMs: number): WindowsVerdict | null {
  let allowed = true;
  // Set with the first verdict: a call with windows always has one.
  let told = 0;
  let verdict: RateVerdict | null = null;
  for (let i = 0; i < rules.length; i++) {
    const { limit, windowMs } = rules[i]!;
    const v = evaluateSlidingWindow(limit, windowMs, { current: counts[2 * i]!, previous: counts[2 * i + 1]! }, atMs);
    if (!v.allowed) allowed = false;
    if (verdict === null || isTighterWindow(v, verdict)) {
      verdict = v;
      told = i;
    }
  }
  return verdict === null ? null : { allowed, told, verdict };
}

/**
 * How long until a refused call would pass: when floor(previous × (1 − f)) + current + 1 <= limit
 * holds again. A refused call's previous window outweighs the room this window's calls leave
 * (else it would have passed), so either that weight fades enough during this window, or, when
 * this window alone has filled the limit, this window's own count fades during the next one.
 */
function retryAfter(limit: number, windowMs: number, counts: RateWindowCounts, windowStart: number, atMs: number): number {
  if (limit <= 0) return windowMs;
  const room = limit - counts.current - 1;
  const passesAt = room >= 0 ? windowStart + fadedAfterMs(counts.previous, room, windowMs) : windowStart + windowMs + fadedAfterMs(counts.current, limit - 1, windowMs);
  return Math.max(1, passesAt - atMs);
}

/** The first millisecond into a window at which floor(weight × (1 − t / windowMs)) <= room, for weight > room >= 0. */
function fadedAfterMs(weight: number, room: number, windowMs: number): number {
  return Math.floor(windowMs * (1 - (room + 1) / weight)) + 1;
}
