/**
 * ledger.lua's answer back as ChargeResults. A charge's minute-window state is computed here from
 * the counts the script decided by, with the same arithmetic (src/core/charge-rules.ts), which also
 * picks the window that speaks for them all.
 */
import { evaluateWindows } from '../../core/charge-rules.js';
import type { ChargeResult, GrantedCharge, RateState } from '../contract/index.js';
import { safeFingerprint, type EncodedGroup } from './redis-group.js';
import type { LedgerJob } from '../contract/index.js';

export type GroupAnswer =
  | { readonly kind: 'lost' }
  | { readonly kind: 'unloaded'; readonly periods: readonly string[] }
  | { readonly kind: 'done'; readonly epoch: string; readonly entry: string; readonly outcomes: string; readonly results: (ChargeResult | null)[] };

export function decodeAnswer(group: EncodedGroup, jobs: readonly LedgerJob[], answer: string | readonly (string | number)[]): GroupAnswer {
  // A decided group comes as one string of NUL-separated parts; 'L' and 'P' as arrays.
  const reply = typeof answer === 'string' ? answer.split('\u0000') : answer;
  if (reply[0] === 'L') return { kind: 'lost' };
  if (reply[0] === 'P') return { kind: 'unloaded', periods: reply.slice(1).map((i) => group.periods[Number(i) - 1]!) };
  let at = 4;
  const results = jobs.map((job): ChargeResult | null => {
    const code = reply[at++];
    if (job.kind !== 'charge') return null;
    if (code === 'C') return { outcome: 'conflict' };
    if (code === 'D') return replayOf(String(reply[at++]));
    const r = job.request;
    const refusedBy = code === 'R' ? Number(reply[at++]) : null;
    const used = new Array<number>(r.lines.length);
    for (let i = 0; i < used.length; i++) used[i] = Number(reply[at++]);
    let rate: RateState | null = null;
    let told = -1;
    if (r.rates.length > 0) {
      const counts = new Array<number>(2 * r.rates.length);
      for (let i = 0; i < counts.length; i++) counts[i] = Number(reply[at++]);
      const windows = evaluateWindows(r.rates, counts, r.atMs)!;
      const v = windows.verdict;
      rate = { limit: v.limit, remaining: v.remaining, resetAtMs: v.resetAtMs, retryAfterMs: v.retryAfterMs };
      told = windows.told;
    }
    if (refusedBy !== null) {
      return refusedBy < 0 ? { outcome: 'refused', refusedBy: 'rate', rateIndex: told, used, rate: rate! } : { outcome: 'refused', refusedBy, used, rate };
    }
    for (let i = 0; i < used.length; i++) used[i]! += r.lines[i]!.amount;
    return { outcome: 'granted', chargeId: r.id, replayed: false, used, rate };
  });
  return { kind: 'done', epoch: String(reply[1]), entry: String(reply[2]), outcomes: String(reply[3]), results };
}

/** A stored idempotency value (ledger.lua): fingerprint, expiry, charge id, used, rate limit, remaining, reset. */
export function replayOf(value: string): ChargeResult {
  const [, , chargeId, used, limit, remaining, reset] = value.split('\n');
  return {
    outcome: 'granted',
    chargeId: chargeId!,
    replayed: true,
    used: used ? used.split(',').map(Number) : [],
    rate: limit ? { limit: Number(limit), remaining: Number(remaining), resetAtMs: Number(reset), retryAfterMs: 0 } : null,
  };
}

/** The value ledger.lua stores for a granted idempotency key, from a result PostgreSQL kept (a rebuild). */
export function idempotencyValue(fingerprint: string, expiresAtMs: number, result: GrantedCharge): string {
  const rate = result.rate;
  return [safeFingerprint(fingerprint), expiresAtMs, result.chargeId, result.used.join(','), rate?.limit ?? '', rate?.remaining ?? '', rate?.resetAtMs ?? ''].join('\n');
}
