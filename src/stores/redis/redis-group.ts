/**
 * A group of one organization's ledger jobs as ledger.lua takes it, and its answer back as
 * ChargeResults. Each distinct period hash, counter, minute window, idempotency key and refund
 * marker is sent once and jobs refer to it by index, so a group of a thousand charges of one tenant
 * reads and writes each counter once.
 */
import { evaluateSlidingWindow, windowStartOf } from '../../core/charge-rules.js';
import type { AdjustLine, ChargeRequest, ChargeResult, RateState, RefusalRecord } from '../contract.js';
import { counterField, type OrganizationKeys } from './redis-keys.js';
import { describeJob } from './redis-records.js';

export type LedgerJob =
  | { readonly kind: 'charge'; readonly request: ChargeRequest }
  | { readonly kind: 'refund'; readonly request: ChargeRequest }
  | { readonly kind: 'refusal'; readonly refusal: RefusalRecord }
  | { readonly kind: 'adjust'; readonly lines: readonly AdjustLine[] };

export interface EncodedGroup {
  readonly keys: string[];
  readonly args: (string | number)[];
  /** The period of each period hash, in KEYS order (a {'P', …} answer names them by index). */
  readonly periods: string[];
  /** The descriptions ledger.lua stores with the records. */
  readonly descriptions: string;
}

/** Refunded charge ids are remembered this long (as the PostgreSQL store's maintenance keeps them). */
export const REFUND_MARKER_MS = 2 * 24 * 60 * 60 * 1000;
/** Minute windows are read as "the previous one" for one more window; a minute on top covers clock skew. */
const windowTtl = (windowMs: number) => 2 * windowMs + 60_000;
/** An idempotency key is decided by the expiry in its value; the key itself outlives that a little. */
const idempotencyTtl = (request: ChargeRequest) => Math.max(1000, request.idempotency!.expiresAtMs - request.atMs + 60_000);

/** ledger.lua splits an idempotency value at newlines: a fingerprint is escaped so that it holds none. */
export function safeFingerprint(fingerprint: string): string {
  return /[\n\\]/.test(fingerprint) ? fingerprint.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : fingerprint;
}

class Slots {
  readonly index = new Map<string, number>();
  readonly values: (string | number)[][] = [];
  slot(id: string, values: () => (string | number)[]): number {
    let at = this.index.get(id);
    if (at === undefined) {
      at = this.values.push(values());
      this.index.set(id, at);
    }
    return at;
  }
}

export function encodeGroup(keys: OrganizationKeys, jobs: readonly LedgerJob[]): EncodedGroup {
  const periods = new Slots();
  const counters = new Slots();
  const windowHashes = new Slots();
  const windows = new Slots();
  const idempotency = new Slots();
  const refunds = new Slots();
  const args: (string | number)[] = [];

  const counter = (line: AdjustLine) => {
    const { period } = line.counter;
    const hash = periods.slot(period, () => [keys.period(period)]);
    const field = counterField(line.counter);
    return counters.slot(`${hash}\u0000${field}`, () => [hash, field]);
  };
  const window = (key: string, windowMs: number, startMs: number) => {
    const hashKey = keys.window(windowMs, startMs);
    const hash = windowHashes.slot(hashKey, () => [hashKey, windowTtl(windowMs)]);
    return windows.slot(`${hash}\u0000${key}`, () => [hash, key]);
  };
  const idem = (request: ChargeRequest) => {
    if (!request.idempotency) return 0;
    const key = keys.idempotency(request.attribution.apiKeyId, request.idempotency.key);
    return idempotency.slot(key, () => [key]);
  };

  for (const job of jobs) {
    switch (job.kind) {
      case 'charge': {
        const r = job.request;
        args.push('c', r.atMs, r.id, r.lines.length);
        for (const line of r.lines) args.push(counter(line), line.amount, line.limit ?? '');
        if (r.rate) {
          const start = windowStartOf(r.atMs, r.rate.windowMs);
          const now = window(r.rate.key, r.rate.windowMs, start);
          args.push(now, window(r.rate.key, r.rate.windowMs, start - r.rate.windowMs), r.rate.limit, start, r.rate.windowMs);
        } else args.push(0);
        const ik = idem(r);
        args.push(ik);
        if (ik > 0) args.push(safeFingerprint(r.idempotency!.fingerprint), r.idempotency!.expiresAtMs, idempotencyTtl(r));
        break;
      }
      case 'refund': {
        const r = job.request;
        const marker = keys.refund(r.id);
        args.push('r', refunds.slot(marker, () => [marker]), r.lines.length);
        for (const line of r.lines) args.push(counter(line), line.amount);
        args.push(idem(r));
        break;
      }
      case 'adjust':
        args.push('a', job.lines.length);
        for (const line of job.lines) args.push(counter(line), line.amount);
        break;
      case 'refusal':
        args.push('f');
        break;
    }
  }

  const descriptions = jobs.map(describeJob).join('\n');
  const head: (string | number)[] = [periods.values.length, windowHashes.values.length, idempotency.values.length, refunds.values.length, descriptions, REFUND_MARKER_MS];
  head.push(counters.values.length, ...counters.values.flat(), windows.values.length, ...windows.values.flat());
  for (const [, ttl] of windowHashes.values) head.push(ttl!);
  head.push(jobs.length);
  return {
    keys: [keys.marker, keys.stream, ...[periods, windowHashes, idempotency, refunds].flatMap((s) => s.values.map((v) => String(v[0])))],
    args: [...head, ...args],
    periods: [...periods.index.keys()],
    descriptions,
  };
}

export type GroupAnswer =
  | { readonly kind: 'lost' }
  | { readonly kind: 'unloaded'; readonly periods: readonly string[] }
  | { readonly kind: 'done'; readonly epoch: string; readonly entry: string; readonly outcomes: string; readonly results: (ChargeResult | null)[] };

/** Reads ledger.lua's answer; a charge's rate state comes from the same arithmetic the script decided by. */
export function decodeAnswer(group: EncodedGroup, jobs: readonly LedgerJob[], reply: readonly (string | number)[]): GroupAnswer {
  if (reply[0] === 'L') return { kind: 'lost' };
  if (reply[0] === 'P') return { kind: 'unloaded', periods: reply.slice(1).map((i) => group.periods[Number(i) - 1]!) };
  let at = 4;
  const next = () => reply[at++]!;
  const results = jobs.map((job): ChargeResult | null => {
    const code = next();
    if (job.kind !== 'charge') return null;
    if (code === 'C') return { outcome: 'conflict' };
    if (code === 'D') return replayOf(String(next()));
    const r = job.request;
    const refusedBy = code === 'R' ? Number(next()) : null;
    const before = r.lines.map(() => Number(next()));
    let rate: RateState | null = null;
    if (r.rate) {
      const counts = { current: Number(next()), previous: Number(next()) };
      const verdict = evaluateSlidingWindow(r.rate.limit, r.rate.windowMs, counts, r.atMs);
      rate = { limit: verdict.limit, remaining: verdict.remaining, resetAtMs: verdict.resetAtMs, retryAfterMs: verdict.retryAfterMs };
    }
    if (refusedBy !== null) return { outcome: 'refused', refusedBy: refusedBy < 0 ? 'rate' : refusedBy, used: before, rate };
    return { outcome: 'granted', chargeId: r.id, replayed: false, used: before.map((u, i) => u + r.lines[i]!.amount), rate };
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
export function idempotencyValue(fingerprint: string, expiresAtMs: number, result: Extract<ChargeResult, { outcome: 'granted' }>): string {
  const rate = result.rate;
  return [safeFingerprint(fingerprint), expiresAtMs, result.chargeId, result.used.join(','), rate?.limit ?? '', rate?.remaining ?? '', rate?.resetAtMs ?? ''].join('\n');
}
