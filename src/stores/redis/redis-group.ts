/**
 * A group of one organization's ledger jobs as ledger.lua takes it. What jobs share is sent once
 * and referred to by index: period hashes, counters, minute windows and their rules, rule sets (the
 * windows a charge counts in), idempotency keys, refund markers, and line sets (the counters,
 * amounts and limits a charge moves, which the charges of one tenant and cost share). A charge is
 * then five arguments, and a group of a thousand charges of one tenant reads and writes each
 * counter once.
 *
 * The same pass writes the group's description (redis-records.ts), which ledger.lua stores with
 * the outcomes as the records of the group. A request's outbox spec (ChargeRequest.outbox) is part
 * of it, so the sink writes the outbox from the stream entry, committed with the charge.
 */
import { windowStartOf } from '../../core/charge-rules.js';
import type { AdjustLine, Attribution, ChargeOutbox, ChargeRequest, CounterRef, LedgerJob } from '../contract/index.js';
import { counterField, type OrganizationKeys } from './redis-keys.js';
import { outboxRowOf, type AttributionRow, type ContextRow, type CounterRow, type GroupRow, type JobRow, type RateRow } from './redis-records.js';

export interface EncodedGroup {
  readonly keys: string[];
  /** ARGV: every argument but the description packed in one JSON array, then the description. */
  readonly args: string[];
  /** The period of each period hash, in KEYS order (a {'P', …} answer names them by index). */
  readonly periods: string[];
  /** The group's description, stored by ledger.lua with the records. */
  readonly description: string;
}

/** Refunded charge ids are remembered this long (as the PostgreSQL store's maintenance keeps them). */
export const REFUND_MARKER_MS = 2 * 24 * 60 * 60 * 1000;
/** Minute windows are read as "the previous one" for one more window; a minute on top covers clock skew. */
const windowTtl = (windowMs: number) => 2 * windowMs + 60_000;
/** An idempotency key is decided by the expiry in its value; the key itself outlives that a little. */
const idempotencyTtl = (request: ChargeRequest) => Math.max(1000, request.idempotency!.expiresAtMs - request.atMs + 60_000);

/**
 * ledger.lua splits an idempotency value at newlines, and its answer at NULs: a fingerprint is
 * escaped so that it holds neither.
 */
export function safeFingerprint(fingerprint: string): string {
  return /[\n\\\0]/.test(fingerprint) ? fingerprint.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\0/g, '\\0') : fingerprint;
}

/** Things numbered from 1 in the order first met, with what ARGV or the description says of each. */
class Table<K, Row> {
  readonly rows: Row[] = [];
  private readonly numbers = new Map<K, number>();
  number(key: K, row: () => Row): number {
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.rows.push(row());
      this.numbers.set(key, n);
    }
    return n;
  }
}

export function encodeGroup(keys: OrganizationKeys, jobs: readonly LedgerJob[]): EncodedGroup {
  return new GroupEncoder(keys).encode(jobs);
}

/**
 * One group's tables. A class rather than closures inside encodeGroup: the code runs under tsx,
 * whose esbuild output names every closure when it is made (Object.defineProperty), which cost
 * more than the encoding itself for a group of one.
 */
class GroupEncoder {
  private readonly periods = new Table<string, [key: string, period: string]>();
  private readonly windowHashes = new Table<string, [string, number]>();
  private readonly idempotencyKeys = new Table<string, string>();
  private readonly refundKeys = new Table<string, string>();
  // Counters by period and field: two distinct objects may name one counter, which must be one slot.
  private readonly counters = new Table<string, [number, string, CounterRow]>();
  private readonly windows = new Table<string, [number, string]>();
  private readonly rules = new Table<string, [number, number, number, number, number]>();
  private readonly ruleSets = new Table<string, number[]>();
  private readonly lineSets = new Table<string, (number | string)[]>();
  private readonly attributions = new Table<Attribution, AttributionRow>();
  private readonly contexts = new Table<string, ContextRow>();
  private readonly rates = new Table<string, RateRow>();
  private readonly outboxes = new Table<ChargeOutbox, string>();
  private readonly pointSets = new Table<ChargeOutbox, readonly number[]>();

  constructor(private readonly keys: OrganizationKeys) {}

  encode(jobs: readonly LedgerJob[]): EncodedGroup {
    const args: (string | number)[] = [];
    const rows: JobRow[] = [];
    for (const job of jobs) {
      switch (job.kind) {
        case 'charge': {
          const r = job.request;
          const set = this.lineSet(r.lines, true);
          const ik = this.idempotency(r);
          // 'C': a charge that reports thresholds, with their points: the record of one that crosses
          // a threshold keeps its counters after it (redis-records.ts).
          const spec = r.outbox ? outboxRowOf(r.outbox) : null;
          if (spec?.thresholds) args.push('C', this.pointSets.number(r.outbox!, () => spec.points));
          else args.push('c');
          args.push(r.atMs, set, this.ruleSet(r), ik);
          if (ik > 0) args.push(r.id, safeFingerprint(r.idempotency!.fingerprint), r.idempotency!.expiresAtMs, idempotencyTtl(r));
          rows.push(this.requestRow('c', r, set));
          break;
        }
        case 'refund': {
          const r = job.request;
          const marker = this.keys.refund(r.id);
          const set = this.lineSet(r.lines, false);
          args.push('r', this.refundKeys.number(marker, () => marker), set, this.idempotency(r));
          rows.push(this.requestRow('r', r, set));
          break;
        }
        case 'adjust': {
          const set = this.lineSet(job.lines, false);
          args.push('a', set);
          rows.push(['a', set - 1]);
          break;
        }
        case 'refusal': {
          const f = job.refusal;
          args.push('f');
          rows.push(['f', f.id, f.atMs, f.day, this.attribution(f.attribution), f.cost, f.reason]);
          break;
        }
      }
    }

    const shared = JSON.stringify([
      this.attributions.rows,
      this.counters.rows.map((c) => c[2]),
      this.contexts.rows,
      this.rates.rows,
      // Line sets with 0-based counters and null for "no limit".
      this.lineSets.rows.map((set) => set.map((v, i) => (i % 3 === 0 ? (v as number) - 1 : v === '' ? null : v))),
      rows,
    ] satisfies GroupRow);
    // The outbox specs are JSON already (outboxRowOf): spliced in as the seventh part, when there are any.
    const description = this.outboxes.rows.length === 0 ? shared : `${shared.slice(0, -1)},[${this.outboxes.rows.join(',')}]]`;
    const head: (string | number)[] = [
      this.periods.rows.length,
      this.windowHashes.rows.length,
      this.idempotencyKeys.rows.length,
      this.refundKeys.rows.length,
      REFUND_MARKER_MS,
      this.counters.rows.length,
    ];
    for (const [hash, field] of this.counters.rows) head.push(hash, field);
    head.push(this.windows.rows.length);
    for (const [hash, key] of this.windows.rows) head.push(hash, key);
    for (const [, ttl] of this.windowHashes.rows) head.push(ttl);
    head.push(this.rules.rows.length);
    for (const r of this.rules.rows) head.push(...r);
    head.push(this.ruleSets.rows.length);
    for (const set of this.ruleSets.rows) head.push(set.length, ...set);
    head.push(this.lineSets.rows.length);
    for (const set of this.lineSets.rows) head.push(set.length / 3, ...set);
    head.push(this.pointSets.rows.length);
    for (const set of this.pointSets.rows) head.push(...set);
    head.push(jobs.length);
    const keys = [this.keys.marker, this.keys.stream];
    for (const [key] of this.periods.rows) keys.push(key);
    for (const [key] of this.windowHashes.rows) keys.push(key);
    keys.push(...this.idempotencyKeys.rows, ...this.refundKeys.rows);
    return { keys, args: [JSON.stringify(head.concat(args)), description], periods: this.periods.rows.map((p) => p[1]), description };
  }

  private counter(c: CounterRef): number {
    const field = counterField(c);
    return this.counters.number(`${c.period}\u0000${field}`, () => [this.periods.number(c.period, () => [this.keys.period(c.period), c.period]), field, [c.scope, c.scopeId, c.metric, c.period]]);
  }

  /** A line set's number; `limits` false for refunds and adjustments, which move without a check. */
  private lineSet(lines: readonly (AdjustLine & { readonly limit?: number | null })[], limits: boolean): number {
    let id = limits ? 'l' : 'n';
    const flat: (number | string)[] = [];
    for (const line of lines) {
      const limit = limits && line.limit !== undefined && line.limit !== null ? line.limit : '';
      const slot = this.counter(line.counter);
      flat.push(slot, line.amount, limit);
      id += `${slot},${line.amount},${limit};`;
    }
    return this.lineSets.number(id, () => flat);
  }

  private window(key: string, windowMs: number, startMs: number): number {
    const hashKey = this.keys.window(windowMs, startMs);
    const hash = this.windowHashes.number(hashKey, () => [hashKey, windowTtl(windowMs)]);
    return this.windows.number(`${hash}\u0000${key}`, () => [hash, key]);
  }

  /** The number of the charge's set of minute-window rules, 0 for none. */
  private ruleSet(r: ChargeRequest): number {
    if (r.rates.length === 0) return 0;
    const numbers = r.rates.map((rate) => {
      const start = windowStartOf(r.atMs, rate.windowMs);
      return this.rules.number(`${rate.key}\u0000${rate.limit}\u0000${rate.windowMs}\u0000${start}`, () => [
        this.window(rate.key, rate.windowMs, start),
        this.window(rate.key, rate.windowMs, start - rate.windowMs),
        rate.limit,
        start,
        rate.windowMs,
      ]);
    });
    return this.ruleSets.number(numbers.join(','), () => numbers);
  }

  private idempotency(r: ChargeRequest): number {
    if (!r.idempotency) return 0;
    const key = this.keys.idempotency(r.attribution.apiKeyId, r.idempotency.key);
    return this.idempotencyKeys.number(key, () => key);
  }

  private attribution(a: Attribution): number {
    return this.attributions.number(a, () => [a.organizationId, a.namespaceId, a.apiKeyId, a.userId, a.workspaceId, a.subscriptionId, a.companyId, a.operation, a.type]) - 1;
  }

  private requestRow(kind: 'c' | 'r', r: ChargeRequest, set: number): JobRow {
    const row: JobRow = [
      kind,
      r.id,
      r.atMs,
      this.contexts.number(`${r.period.key}\u0000${r.day}`, () => [r.period.key, r.period.month, r.period.year, r.day]) - 1,
      this.attribution(r.attribution),
      r.cost,
      set - 1,
      r.rates.map((rate) => this.rates.number(`${rate.key}\u0000${rate.limit}\u0000${rate.windowMs}`, () => [rate.key, rate.limit, rate.windowMs]) - 1),
      r.idempotency ? [r.idempotency.key, r.idempotency.fingerprint, r.idempotency.expiresAtMs] : 0,
    ];
    const spec = r.outbox ? outboxRowOf(r.outbox) : null;
    if (spec) row.push(this.outboxes.number(r.outbox!, () => spec.json) - 1);
    return row;
  }
}
