/**
 * The body of a webhook delivery (pure): `{ type, timestamp, data }`, the shape Standard Webhooks
 * recommends. The outbox keeps the event's data; what follows from it (a threshold's percentage)
 * is computed here, once, for every store.
 */
import type { OutboxEntry } from '../stores/contract/index.js';

export function webhookBody(entry: Pick<OutboxEntry, 'type' | 'payload' | 'createdAtMs'>): string {
  const data: Record<string, unknown> = { ...entry.payload };
  if (entry.type === 'usage.threshold' && typeof data.used === 'number' && typeof data.limit === 'number' && data.limit > 0) {
    data.percent_used = Math.round((data.used / data.limit) * 10_000) / 100;
  }
  return JSON.stringify({ type: entry.type, timestamp: new Date(entry.createdAtMs).toISOString(), data });
}
