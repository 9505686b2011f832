/** Quota ledger: counters, the charge decision, refunds. Part of the store contract (index.ts). */
import type { InteractionType } from '../../core/catalogue.js';
import type { AdjustLine } from './record-sink.js';

export type ScopeKind = 'organization' | 'namespace' | 'api_key';
/** What a counter counts: interactions of one type in a period, or a standing resource. */
export type Metric = InteractionType | 'active_memories' | 'storage_bytes';
/** The period key of counters that never reset (active memories, storage). */
export const LIFETIME = 'lifetime';

export interface CounterRef {
  readonly scope: ScopeKind;
  readonly scopeId: string;
  readonly metric: Metric;
  /** A Period key ("2026-11", "2026-11-15") or LIFETIME. */
  readonly period: string;
  /**
   * The organization the scope belongs to. The engine always gives it; a store that keeps counters
   * by organization (Redis, one hash slot per organization) needs it for adjust() and
   * readCounters(), and looks it up in its directory when a caller leaves it out. It never changes
   * which counter is meant: scopeId alone names the scope.
   */
  readonly organizationId?: string;
}

export interface ChargeLine {
  readonly counter: CounterRef;
  /** What the call adds to the counter; may be 0. */
  readonly amount: number;
  /** Hard limit: the call is refused when used + amount > limit. Null counts without limiting. */
  readonly limit: number | null;
}

/** Every pointer an Interaction record carries, plus the operation. */
export interface Attribution {
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly apiKeyId: string;
  readonly userId: string | null;
  readonly workspaceId: string | null;
  readonly subscriptionId: string | null;
  readonly companyId: string | null;
  readonly operation: string;
  readonly type: InteractionType;
}

/** A sliding minute window a call must fit: the organization's, or a namespace's own. */
export interface RateRule {
  /** The window's counter key: the id of the organization or namespace it limits. */
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface ChargeRequest {
  /** Unique id of this charge (events, refunds). */
  readonly id: string;
  readonly atMs: number;
  /** The Interaction record's period. */
  readonly period: { readonly key: string; readonly month: number; readonly year: number };
  /** UTC day "YYYY-MM-DD" of the daily rollup. */
  readonly day: string;
  readonly attribution: Attribution;
  /** Interactions the call costs; recorded on the Interaction record. */
  readonly cost: number;
  /** Counters to check and move together. */
  readonly lines: readonly ChargeLine[];
  /**
   * Minute windows to check and count together (none, or e.g. the organization's and the
   * namespace's): a call must fit every one, and a granted call counts in every one.
   */
  readonly rates: readonly RateRule[];
  readonly idempotency: { readonly key: string; readonly fingerprint: string; readonly expiresAtMs: number } | null;
  /**
   * What the charge writes to the outbox in its own transaction when granted (threshold crossings,
   * a meter event) and its refund when applied (a meter event giving it back): see
   * chargeOutboxEvents in src/stores/shared/charge-outbox.ts. Absent or null: nothing.
   */
  readonly outbox?: ChargeOutbox | null;
  /**
   * The catalogue version that priced the charge (issue 12). Stores need not keep it: versions are
   * immutable and take effect in order, so the instant a charge records names its version
   * (CatalogueSchedule.catalogueVersionAt); the meter event carries it (ChargeOutbox.meter).
   */
  readonly catalogueVersion?: number;
}

/** A threshold a line reports: crossed when the line's counter goes from below `point` to at or above it. */
export interface ThresholdMark {
  readonly percent: number;
  /** thresholdPoint(limit, percent) */
  readonly point: number;
  /** The line's hard limit, or under metered billing the included amount. */
  readonly limit: number;
}

export interface ChargeOutbox {
  /** Per request line, the thresholds it reports, ascending ([] for none). */
  readonly marks: readonly (readonly ThresholdMark[])[];
  /** Metered billing with a billing customer: the charge (and its refund) is a meter event for that customer. */
  readonly meter: {
    readonly customerId: string;
    readonly aggregation: 'per_call' | 'per_minute';
    /** The catalogue version that priced the charge (its meter event's catalogue_version); in the spec so that every store, Redis's stream too, keeps it. */
    readonly catalogueVersion?: number;
  } | null;
}

export interface RefusalRecord {
  readonly id: string;
  readonly atMs: number;
  readonly day: string;
  readonly attribution: Attribution;
  readonly cost: number;
  /** See limitRefusalReason in src/core/charge-rules.ts. */
  readonly reason: string;
}

/**
 * Where a call stands in its minute windows, as told by one of them: a window that refused it (of
 * several, the one that frees last), else the one with the fewest calls left after it
 * (isTighterWindow in src/core/charge-rules.ts).
 */
export interface RateState {
  readonly limit: number;
  readonly remaining: number;
  readonly resetAtMs: number;
  readonly retryAfterMs: number;
}

export type ChargeResult =
  | {
      readonly outcome: 'granted';
      /** The charge this result belongs to: the request's id, or the original's on a replay. */
      readonly chargeId: string;
      /** True when an earlier charge with the same idempotency key answered. */
      readonly replayed: boolean;
      /** Counter values after the charge, one per line. */
      readonly used: readonly number[];
      readonly rate: RateState | null;
    }
  | {
      readonly outcome: 'refused';
      /** The line that refused (index into lines). */
      readonly refusedBy: number;
      /** Counter values, unchanged, one per line. */
      readonly used: readonly number[];
      readonly rate: RateState | null;
    }
  | {
      readonly outcome: 'refused';
      readonly refusedBy: 'rate';
      /** The window `rate` describes, which refused: an index into the request's rates. */
      readonly rateIndex: number;
      readonly used: readonly number[];
      readonly rate: RateState;
    }
  /** The idempotency key was used before with another fingerprint. Nothing changed. */
  | { readonly outcome: 'conflict' };

export interface QuotaLedger {
  /**
   * Decides and applies one call, atomically for every line and every minute window:
   * - if the idempotency key was granted before (same fingerprint, not expired), returns that
   *   result with `replayed: true` and changes nothing;
   * - if any minute window or any line with a limit would be exceeded, changes no counter or window, adds
   *   one refused call to the daily rollup and to the refusals of its reason, and returns `refused`;
   * - otherwise adds every line's amount, counts the call in every minute window, adds cost and one
   *   call to the Interaction record and the daily rollup, stores the idempotency key, and
   *   returns `granted` with the counters' new values.
   * Concurrent charges, from any number of processes where `capabilities.sharedAcrossProcesses`,
   * never lose an increment and never take a limited counter past its limit.
   * A granted result is durable when the promise resolves (`capabilities.durable`).
   * Throws TollgateError STORE_UNAVAILABLE when the store cannot be reached.
   */
  charge(request: ChargeRequest): Promise<ChargeResult>;

  /**
   * Gives back a granted charge (its handler failed): subtracts every line's amount, the cost and
   * the call from the Interaction record and rollup (counting a refund there), and forgets the
   * idempotency key so a retry runs again. Refunding the same charge id twice changes nothing.
   * The call keeps its place in its minute windows: it was made.
   */
  refund(request: ChargeRequest): Promise<void>;

  /**
   * Records a call refused before it reached the counters (an inactive subscription): one refused
   * call in the daily rollup and its reason, and a 'refused' usage event. Changes no counter.
   */
  recordRefusal(refusal: RefusalRecord): Promise<void>;

  /** Moves counters without a limit check (releasing active memories and storage on delete). */
  adjust(lines: readonly AdjustLine[]): Promise<void>;

  /** Current values of counters (0 for one never written). */
  readCounters(counters: readonly CounterRef[]): Promise<number[]>;
}
