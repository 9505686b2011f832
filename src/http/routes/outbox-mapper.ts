import type { OutboxEntry } from '../../stores/contract/index.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An outbox entry as the admin API and an endpoint's deliveries show it. */
export function toOutboxJson(entry: OutboxEntry) {
  return {
    id: entry.id,
    event_id: entry.eventId,
    organization_id: entry.organizationId,
    topic: entry.topic,
    type: entry.type,
    endpoint_id: entry.endpointId,
    state: entry.state,
    attempts: entry.attempts,
    last_status: entry.lastStatus,
    last_error: entry.lastError,
    created_at: iso(entry.createdAtMs),
    next_attempt_at: entry.state === 'pending' ? iso(entry.availableAtMs) : null,
    delivered_at: iso(entry.deliveredAtMs),
    merged_into: entry.batch,
    data: entry.payload,
  };
}
