/**
 * Outbox entries from events (fan-out to webhook endpoints) and from rows of the SQL stores' outbox
 * table. SQLite, PostgreSQL and the in-memory store write the same entries.
 */
import { randomUUID } from 'node:crypto';
import { outboxEventId } from './charge-outbox.js';
import type { OutboxEntry, OutboxEvent, OutboxQuery, OutboxState, OutboxTopic, WebhookEndpoint } from '../contract/index.js';
import { numOrNull, strOrNull, type Row } from './record-rows.js';

/**
 * The entries of events: a meter event is one entry; a webhook event one per endpoint of its
 * organization that wants its type (none without one).
 */
export function outboxEntriesOf(events: readonly OutboxEvent[], endpointsOf: (organizationId: string) => readonly Pick<WebhookEndpoint, 'id' | 'eventTypes'>[]): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const event of events) {
    const eventId = outboxEventId(event.dedupKey);
    if (event.topic === 'meter') {
      entries.push(pendingEntry(event, eventId, eventId, event.dedupKey, null));
      continue;
    }
    for (const endpoint of endpointsOf(event.organizationId)) {
      if (!endpoint.eventTypes.includes(event.type)) continue;
      entries.push(pendingEntry(event, `${eventId}.${endpoint.id}`, eventId, `${event.dedupKey}:${endpoint.id}`, endpoint.id));
    }
  }
  return entries;
}

function pendingEntry(event: OutboxEvent, id: string, eventId: string, dedupKey: string, endpointId: string | null): OutboxEntry {
  return {
    id,
    eventId,
    dedupKey,
    organizationId: event.organizationId,
    topic: event.topic,
    type: event.type,
    endpointId,
    payload: event.payload,
    state: 'pending',
    attempts: 0,
    availableAtMs: event.availableAtMs,
    leaseOwner: null,
    leaseUntilMs: null,
    lastError: null,
    lastStatus: null,
    createdAtMs: event.atMs,
    deliveredAtMs: null,
    batch: null,
  };
}

/** Column order of the outbox table's insert (SQLite and PostgreSQL). */
export const OUTBOX_INSERT_COLUMNS = 'id, event_id, dedup_key, organization_id, topic, type, endpoint_id, payload, state, attempts, available_at, created_at, amount';

/**
 * A sum's amount lives in a column of its own, not in its JSON payload: adding a charge to the
 * minute's sum is then an integer update on the charge path (toOutboxEntry puts it back in the payload).
 */
const sumAmountOf = (e: OutboxEntry): number | null => (e.payload.kind === 'sum' && typeof e.payload.amount === 'number' ? e.payload.amount : null);

export const outboxInsertValues = (e: OutboxEntry) => [
  e.id,
  e.eventId,
  e.dedupKey,
  e.organizationId,
  e.topic,
  e.type,
  e.endpointId,
  JSON.stringify(e.payload),
  e.state,
  e.attempts,
  e.availableAtMs,
  e.createdAtMs,
  sumAmountOf(e),
];


export function toOutboxEntry(row: Row): OutboxEntry {
  return {
    id: String(row.id),
    eventId: String(row.event_id),
    dedupKey: String(row.dedup_key),
    organizationId: String(row.organization_id),
    topic: String(row.topic) as OutboxTopic,
    type: String(row.type),
    endpointId: strOrNull(row.endpoint_id),
    payload: withAmount((typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>, row.amount),
    state: String(row.state) as OutboxState,
    attempts: Number(row.attempts),
    availableAtMs: Number(row.available_at),
    leaseOwner: strOrNull(row.lease_owner),
    leaseUntilMs: numOrNull(row.lease_until),
    lastError: strOrNull(row.last_error),
    lastStatus: numOrNull(row.last_status),
    createdAtMs: Number(row.created_at),
    deliveredAtMs: numOrNull(row.delivered_at),
    batch: strOrNull(row.batch),
  };
}

function withAmount(payload: Record<string, unknown>, amount: unknown): Record<string, unknown> {
  return amount === null || amount === undefined ? payload : { ...payload, amount: Number(amount) };
}

/** A filter of list(), in memory: the in-memory store's, and the reference the SQL ones match. */
export function matchesOutboxQuery(entry: OutboxEntry, query: OutboxQuery): boolean {
  return (
    (query.state === undefined || entry.state === query.state) &&
    (query.organizationId === undefined || entry.organizationId === query.organizationId) &&
    (query.endpointId === undefined || entry.endpointId === query.endpointId) &&
    (query.topic === undefined || entry.topic === query.topic) &&
    (query.type === undefined || entry.type === query.type)
  );
}

/** list() orders newest first, then by id, on every store. */
export function compareNewestFirst(a: OutboxEntry, b: OutboxEntry): number {
  return b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The outbox's error texts are bounded: a receiver's body must not fill the table. */
export const MAX_OUTBOX_ERROR_CHARS = 500;
export const boundedError = (error: string): string => (error.length > MAX_OUTBOX_ERROR_CHARS ? `${error.slice(0, MAX_OUTBOX_ERROR_CHARS - 1)}…` : error);

/**
 * Events as a store writes them: the plain ones, and the summed ones (OutboxEvent.accumulate) folded
 * per key, each the first event of its key with the amounts added and without the writer's charge_id.
 */
export function splitSummed(events: readonly OutboxEvent[]): { plain: OutboxEvent[]; sums: OutboxEvent[] } {
  const plain: OutboxEvent[] = [];
  const sums = new Map<string, { event: OutboxEvent; amount: number }>();
  for (const event of events) {
    if (!event.accumulate) {
      plain.push(event);
      continue;
    }
    const amount = Number(event.payload.amount);
    const sum = sums.get(event.dedupKey);
    if (sum) sum.amount += amount;
    else sums.set(event.dedupKey, { event, amount });
  }
  return {
    plain,
    sums: [...sums.values()].map(({ event, amount }) => {
      const { charge_id: _, ...payload } = event.payload;
      return { ...event, payload: { ...payload, amount } };
    }),
  };
}

/** The event a sum becomes once the entry of its key was attempted: an entry of its own. */
export function lateSum(sum: OutboxEvent): OutboxEvent {
  return { ...sum, dedupKey: `${sum.dedupKey}:late:${randomUUID()}` };
}
