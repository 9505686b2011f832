/**
 * The outbox: what must leave Tollgate (webhook deliveries, billing meter events), written in the
 * same transaction as the change that causes it. Part of the store contract (index.ts).
 *
 * A charge writes its entries itself (ChargeRequest.outbox: the ledger computes them from the
 * counters it moved, before it commits); everything else goes through `enqueue`. A dispatcher leases
 * pending entries, delivers them and settles each one. Entries are delivered at least once; the
 * event id is stable across attempts so receivers deduplicate.
 */

/** Where an entry goes: a webhook endpoint of its organization, or the billing provider's meter API. */
export type OutboxTopic = 'webhook' | 'meter';
/** merged: a meter event summed into another entry (its `batch`), which is delivered in its place. */
export type OutboxState = 'pending' | 'delivered' | 'failed' | 'merged';
export const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'delivered', 'failed', 'merged'];

/** An event to write. A webhook event becomes one entry per endpoint of its organization that asked for its type. */
export interface OutboxEvent {
  /**
   * What makes the event unique: an event whose key was written before is ignored (a threshold is
   * reported once per period, a meter event once per charge). A webhook entry's key is the event's
   * key plus its endpoint id.
   */
  readonly dedupKey: string;
  readonly organizationId: string;
  readonly topic: OutboxTopic;
  /** The webhook event type (src/billing/webhook-events.ts), or for a meter event the interaction type. */
  readonly type: string;
  /** The event's data, JSON. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly atMs: number;
  /** Not delivered before this instant (a meter event summed per minute waits for its minute to end). */
  readonly availableAtMs: number;
  /**
   * A meter event summed as it is written (per minute): its payload.amount is added to the entry
   * with its key while that entry is pending and was never attempted (its first send freezes it);
   * after that, it goes into an entry of its own (the key plus ':late:' and a random id). Stored
   * without payload.charge_id, which only the writer uses.
   */
  readonly accumulate?: boolean;
}

export interface OutboxEntry {
  /** This delivery: the event id for a meter event, `<event id>.<endpoint id>` for a webhook. */
  readonly id: string;
  /** The event's id (`webhook-id`), the same for every endpoint and every attempt: outboxEventId(dedupKey). */
  readonly eventId: string;
  readonly dedupKey: string;
  readonly organizationId: string;
  readonly topic: OutboxTopic;
  readonly type: string;
  /** The webhook endpoint, or null for a meter event. */
  readonly endpointId: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly state: OutboxState;
  /** Attempts made so far (a lease counts as one). */
  readonly attempts: number;
  readonly availableAtMs: number;
  readonly leaseOwner: string | null;
  readonly leaseUntilMs: number | null;
  readonly lastError: string | null;
  /** The receiver's last HTTP status, null when none answered. */
  readonly lastStatus: number | null;
  readonly createdAtMs: number;
  readonly deliveredAtMs: number | null;
  /** A merged meter event: the id of the entry that carries its sum. */
  readonly batch: string | null;
}

export interface OutboxLease {
  readonly topic: OutboxTopic;
  /** Who holds the lease (a process's dispatcher); settle() only applies to entries it still holds. */
  readonly owner: string;
  readonly nowMs: number;
  readonly leaseMs: number;
  readonly limit: number;
}

export type OutboxOutcome =
  | { readonly id: string; readonly state: 'delivered'; readonly atMs: number; readonly status: number | null }
  /** Try again from `availableAtMs` (backoff); the lease ends. */
  | { readonly id: string; readonly state: 'pending'; readonly availableAtMs: number; readonly error: string; readonly status: number | null }
  /** A dead letter: kept, listed, retried only by hand. */
  | { readonly id: string; readonly state: 'failed'; readonly error: string; readonly status: number | null };

/** Meter events summed into one: the members (leased by the caller) become `merged` into the new entry. */
export interface OutboxMerge {
  readonly memberIds: readonly string[];
  /** A meter event; its dedup key names the sum (a second merge with it changes nothing). */
  readonly event: OutboxEvent;
}

export interface OutboxQuery {
  readonly state?: OutboxState;
  readonly organizationId?: string;
  readonly endpointId?: string;
  readonly topic?: OutboxTopic;
  readonly type?: string;
  /** 1..1000 */
  readonly limit: number;
  readonly offset?: number;
}

export interface Outbox {
  /**
   * Writes events in one transaction (directory changes, summaries). Webhook events fan out to the
   * organization's endpoints that want their type; an organization without one writes nothing.
   * A dedup key written before is ignored. Returns the number of entries written.
   */
  enqueue(events: readonly OutboxEvent[]): Promise<number>;
  /**
   * Leases up to `limit` pending entries of a topic that are available (availableAtMs <= now) and
   * not leased by anyone else (or whose lease has run out), oldest first; counts an attempt on each.
   * Two dispatchers never hold one entry at once.
   */
  lease(request: OutboxLease): Promise<OutboxEntry[]>;
  /** Applies outcomes to entries `owner` still leases; others are left alone. Returns how many applied. */
  settle(owner: string, outcomes: readonly OutboxOutcome[]): Promise<number>;
  /**
   * In one transaction per merge: writes the summed event and marks every member `merged` into it,
   * provided `owner` still leases every member; otherwise that merge changes nothing. Freezing the
   * members before the first send is what lets the sum be resent under one identifier without a
   * late charge slipping into it. Returns how many merges applied.
   */
  merge(owner: string, merges: readonly OutboxMerge[]): Promise<number>;
  /** Newest first. */
  list(query: OutboxQuery): Promise<OutboxEntry[]>;
  /** Puts failed entries (these ids, or every failed entry of the organization) back to pending, available now, attempts reset. Returns how many. */
  retry(target: { readonly ids?: readonly string[]; readonly organizationId?: string }, nowMs: number): Promise<number>;
}
