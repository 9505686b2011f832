import type { Clock, Logger } from '../../core/ports.js';
import type { Store } from '../contract/index.js';

/** The slice of a Response the parse store reads. */
export interface ParseResponse {
  readonly status: number;
  text(): Promise<string>;
}

/**
 * A `fetch`-shaped function (Node's global fetch fits): tests pass one that drops responses or
 * counts requests, and deployments may pass one with their own agent or tracing.
 */
export type ParseFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<ParseResponse>;

export interface ParseConnection {
  /** Where Parse Server is mounted, e.g. "https://parse.example.com/parse". */
  readonly serverUrl: string;
  readonly appId: string;
  readonly masterKey: string;
  readonly fetch?: ParseFetch;
  /** A request that has not answered by then counts as failed (and is retried where safe). */
  readonly requestTimeoutMs?: number;
}

export interface ParseStoreConfig extends ParseConnection {
  /**
   * The store that decides quota (sqlite, postgres or redis): its ledger charges, refunds and keeps
   * the Interaction records the syncer ships to Parse; its idempotency cache, rollups, events,
   * memories and feedback are used as they are. Handed in, never imported (composition).
   */
  readonly base: Store;
  /** The parse store closes the base store with itself (default); false when the base is shared. */
  readonly closeBase?: boolean;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Most Interaction tuples shipped in one transactional POST /batch (3 sub-requests each). */
  readonly batchSize?: number;
  /** How often recorded usage is shipped to Parse. */
  readonly flushIntervalMs?: number;
  /**
   * How often every Interaction record of the current and previous month in the base store is
   * compared with Parse (catches records charged by a process that stopped before shipping).
   */
  readonly sweepIntervalMs?: number;
  /** At start: rebuild empty quota counters from Parse's sums and ship what the base holds unshipped. */
  readonly reconcileOnStart?: boolean;
  /**
   * When a tuple is first shipped and Parse already holds an Interaction record for it under
   * another objectId (written before Tollgate), add to that record instead of creating a second.
   */
  readonly adoptExistingRecords?: boolean;
  /** How often other processes' tenant changes are looked for in Parse (while someone watches). */
  readonly changePollMs?: number;
}

export const PARSE_DEFAULTS = Object.freeze({
  requestTimeoutMs: 10_000,
  batchSize: 50,
  flushIntervalMs: 1000,
  sweepIntervalMs: 5 * 60_000,
  reconcileOnStart: true,
  adoptExistingRecords: true,
  changePollMs: 1000,
});
