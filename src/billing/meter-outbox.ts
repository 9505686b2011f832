/**
 * Meter events from outbox entries (pure). A charge's entry carries its usage (kind charge or
 * refund); per call each becomes one Stripe event; per minute the entries of one customer, meter
 * and minute are first merged into one `sum` entry (Outbox.merge), which is sent, and resent on a
 * retry, with the identifier it was given when it was frozen.
 */
import type { InteractionType } from '../core/catalogue.js';
import type { OutboxEntry, OutboxEvent } from '../stores/contract/index.js';
import { buildMeterEvents, DEFAULT_METER_EVENT_NAMES, type MeterAggregation, type MeterEventNames, type MeteredUsage, type StripeMeterEvent } from './meter-events.js';

export const isSumEntry = (entry: OutboxEntry): boolean => entry.payload.kind === 'sum';

function usageOf(entry: OutboxEntry): MeteredUsage {
  const p = entry.payload;
  return {
    chargeId: String(p.charge_id),
    kind: p.kind === 'refund' ? 'refund' : 'charge',
    atMs: Number(p.at_ms),
    customerId: String(p.customer_id),
    type: String(p.type) as InteractionType,
    amount: Number(p.amount),
  };
}

/** The Stripe event of a per-call entry or of a sum; null when it carries nothing (an amount of 0). */
export function meterEventOf(entry: OutboxEntry, names: MeterEventNames = DEFAULT_METER_EVENT_NAMES): StripeMeterEvent | null {
  const p = entry.payload;
  if (isSumEntry(entry)) {
    // A sum merged by the dispatcher names its identifier; one summed as it was written is known by its entry's id.
    if (Number(p.amount) === 0) return null;
    const identifier = typeof p.identifier === 'string' ? p.identifier : `tgm_${entry.eventId.replace(/^evt_/, '')}`;
    const eventName = typeof p.event_name === 'string' ? p.event_name : names[entry.type as InteractionType];
    return { event_name: eventName, identifier, timestamp: Math.floor(Number(p.at_ms) / 1000), payload: { stripe_customer_id: String(p.customer_id), value: String(p.amount) } };
  }
  const plan = buildMeterEvents([usageOf(entry)], { aggregation: 'per_call', eventNames: names });
  return plan.drafts[0]?.event ?? null;
}

export interface MeterMergePlan {
  /** Groups to freeze into one sum each. */
  readonly merges: { readonly memberIds: string[]; readonly event: OutboxEvent }[];
  /** Entries that need no event (they sum to zero): settled as delivered without a send. */
  readonly nothingToSend: string[];
}

/** How leased per-call entries are summed per customer, meter and minute. */
export function planMeterMerges(entries: readonly OutboxEntry[], nowMs: number, names: MeterEventNames = DEFAULT_METER_EVENT_NAMES): MeterMergePlan {
  const merges: MeterMergePlan['merges'] = [];
  const nothingToSend: string[] = [];
  const groups = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const u = usageOf(entry);
    const key = JSON.stringify([entry.organizationId, u.customerId, u.type, Math.floor(u.atMs / 60_000)]);
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  for (const group of groups.values()) {
    const plan = buildMeterEvents(group.map(usageOf), { aggregation: 'per_minute' as MeterAggregation, eventNames: names });
    const draft = plan.drafts[0];
    if (!draft) {
      nothingToSend.push(...group.map((e) => e.id));
      continue;
    }
    const first = group[0]!;
    const e = draft.event;
    merges.push({
      memberIds: group.map((m) => m.id),
      event: {
        dedupKey: `meter:sum:${e.identifier}`,
        organizationId: first.organizationId,
        topic: 'meter',
        type: first.type,
        payload: {
          kind: 'sum',
          identifier: e.identifier,
          event_name: e.event_name,
          customer_id: e.payload.stripe_customer_id,
          type: first.type,
          amount: Number(e.payload.value),
          at_ms: e.timestamp * 1000,
          period: first.payload.period ?? null,
          members: group.length,
        },
        atMs: nowMs,
        availableAtMs: nowMs,
      },
    });
  }
  return { merges, nothingToSend };
}
