/** Record sink: the durable side of a ledger that decides elsewhere (Redis). Part of the store contract (index.ts). */
import type { ChargeRequest, ChargeResult, CounterRef, RefusalRecord } from './quota-ledger.js';

/** A granted charge's result, as a replay of its idempotency key answers it (with `replayed` set then). */
export type GrantedCharge = Extract<ChargeResult, { readonly outcome: 'granted' }>;

export interface AdjustLine {
  readonly counter: CounterRef;
  readonly amount: number;
}

/**
 * What a ledger did, as the records of the InteractionLog and the counters must show it. Applying a
 * record does what the QuotaLedger method that made it would have done to the durable tables:
 * - granted: counters, minute window, Interaction record, rollup, idempotency key (answering
 *   `result`), event; a replayed charge makes no record;
 * - refused: one refused call in the rollup and the refusals of its reason, an event;
 * - refund: every line, the cost and the call given back, a refund counted, the idempotency key
 *   forgotten, the charge id remembered as refunded, an event (a second refund makes no record);
 * - refusal: as recordRefusal; adjust: the counters moved.
 */
export type LedgerRecord =
  | {
      readonly kind: 'granted';
      readonly request: ChargeRequest;
      /** What a replay of the charge's idempotency key answers; null when it has no key. */
      readonly result: GrantedCharge | null;
    }
  | { readonly kind: 'refused'; readonly request: ChargeRequest; readonly refusedBy: number | 'rate' }
  | { readonly kind: 'refund'; readonly request: ChargeRequest }
  | { readonly kind: 'refusal'; readonly refusal: RefusalRecord }
  | { readonly kind: 'adjust'; readonly organizationId: string; readonly lines: readonly AdjustLine[] };

/**
 * Records of one organization written together at one position of an ordered source: an entry of
 * a Redis stream. A source is one incarnation of such a stream (it starts again, under a new name,
 * when the stream is lost); within it, positions are "<ms>-<seq>", ordered by ms and then seq.
 */
export interface RecordEntry {
  readonly organizationId: string;
  readonly source: string;
  readonly position: string;
  readonly records: readonly LedgerRecord[];
}

/** Per source, the last position applied: every entry at or before it is in the tables. */
export type RecordMarks = ReadonlyMap<string, string>;

/** What a store that lost its counters rebuilds them from. */
export interface LedgerSnapshot {
  /** Idempotency keys granted and neither expired at `nowMs` nor refunded, with their results. */
  readonly idempotency: readonly { readonly apiKeyId: string; readonly key: string; readonly fingerprint: string; readonly expiresAtMs: number; readonly result: GrantedCharge }[];
  /** Minute-window counts of windows starting at or after `sinceMs`. */
  readonly rateWindows: readonly { readonly key: string; readonly windowStartMs: number; readonly count: number }[];
  /** Charges refunded, charged at or after `sinceMs` (a refund marker outlives its charge's retries by then). */
  readonly refunds: readonly { readonly chargeId: string; readonly atMs: number }[];
}

/**
 * The durable tables a ledger deciding elsewhere (in Redis) writes its records to, exactly once,
 * and reads its state back from after losing it. Every method keeps one organization's records
 * apart from another's; all of them may run in many processes at once.
 */
export interface RecordSink {
  /**
   * Applies what ordered sources hold, in one transaction: takes the lock of each organization (or,
   * with `wait: false`, of those no other process holds, skipping the rest), asks `read` for the
   * entries of the organizations it locked, applies each record of each entry past its source's
   * mark, in order, and moves the marks, then commits. While an organization's lock is held no
   * other drain or replay of it runs, so an entry is applied once even when many processes drain
   * the same source and one dies between the commit and trimming its source. Resolves, after the
   * commit, with the marks of every organization it locked (empty for one with none).
   */
  drain(
    organizationIds: readonly string[],
    read: (locked: readonly string[]) => Promise<readonly RecordEntry[]>,
    options: { readonly wait: boolean },
  ): Promise<ReadonlyMap<string, RecordMarks>>;

  /**
   * Applies entries whose source is gone (kept by the process that wrote them), waiting for their
   * organizations' locks: an entry at or before its source's mark was applied by a drain and is
   * skipped, and so is one replayed before, so replaying twice applies once. Marks do not move.
   */
  replay(entries: readonly RecordEntry[]): Promise<void>;

  /** Whether any entry of the organization was ever applied (its counters may have been lost). */
  knows(organizationId: string): Promise<boolean>;

  /** The organization's counters of the given periods, as the applied records left them (absent ones are 0). */
  counters(organizationId: string, periods: readonly string[]): Promise<{ readonly counter: CounterRef; readonly used: number }[]>;

  /** The rest of the organization's ledger state, as the applied records left it. */
  snapshot(organizationId: string, at: { readonly nowMs: number; readonly sinceMs: number }): Promise<LedgerSnapshot>;
}

/** One step of a group a ledger applies in one round trip (one PL/pgSQL call, one Lua script call). */
export type LedgerJob =
  | { readonly kind: 'charge'; readonly request: ChargeRequest }
  | { readonly kind: 'refund'; readonly request: ChargeRequest }
  | { readonly kind: 'refusal'; readonly refusal: RefusalRecord }
  | { readonly kind: 'adjust'; readonly lines: readonly AdjustLine[] };
