/**
 * Stripe meter events from metered charges (pure). Field names are Stripe's, as its meter event
 * API spells them; this file is the one mapper between Tollgate's usage and that wire shape.
 *
 * Stripe's rules this follows (docs.stripe.com: "Record usage for billing with the API" and the
 * billing.meter_event API reference):
 * - `payload.value` is a whole number, sent as a string (v1 is form-encoded, every value a string);
 *   a cycle whose total is negative is billed as 0.
 * - `identifier` (at most 100 characters) is unique within a rolling window of at least 24 hours: a
 *   second event with an identifier already seen is refused, so a stable identifier makes a resend
 *   harmless.
 * - `timestamp` (Unix seconds) within the past 35 calendar days and at most 5 minutes ahead.
 * - v1 takes about 1,000 calls per second and one concurrent call per customer per meter; summing
 *   per minute keeps a busy customer to one call per minute per meter.
 */
import { createHash } from 'node:crypto';
import type { InteractionType } from '../core/catalogue.js';
import { TollgateError } from '../core/errors.js';

/** The event name of each interaction type, as the Stripe meters were created with. */
export type MeterEventNames = Readonly<Record<InteractionType, string>>;
export const DEFAULT_METER_EVENT_NAMES: MeterEventNames = Object.freeze({ mini: 'tollgate_mini', premium: 'tollgate_premium' });

export type MeterAggregation = 'per_call' | 'per_minute';

/** One metered fact: a charge (positive) or its refund (negative), for a customer with a billing id. */
export interface MeteredUsage {
  /** The charge's id; a refund carries the id of the charge it gives back. */
  readonly chargeId: string;
  readonly kind: 'charge' | 'refund';
  readonly atMs: number;
  /** The organization's billing customer id (Stripe `cus_…`). */
  readonly customerId: string;
  readonly type: InteractionType;
  /** Interactions to bill, a whole number >= 0 (a refund gives it back: its event's value is negative). */
  readonly amount: number;
}

/** A v1 meter event, as `POST /v1/billing/meter_events` takes it. */
export interface StripeMeterEvent {
  readonly event_name: string;
  readonly identifier: string;
  /** Unix seconds. */
  readonly timestamp: number;
  readonly payload: { readonly stripe_customer_id: string; readonly value: string };
}

export interface MeterEventDraft {
  readonly event: StripeMeterEvent;
  /** The usage this event carries: the dispatcher marks exactly these delivered when it is. */
  readonly chargeIds: readonly string[];
}

export interface MeterEventPlan {
  readonly drafts: readonly MeterEventDraft[];
  /** Usage that needs no event (a zero amount, or a minute whose charges and refunds cancel out). */
  readonly noEventNeeded: readonly string[];
}

export interface BuildMeterEventsOptions {
  readonly eventNames?: MeterEventNames;
  readonly aggregation: MeterAggregation;
}

const MAX_IDENTIFIER_LENGTH = 100;
const MINUTE_MS = 60_000;

/**
 * Per call: one event per usage, identified by its charge id (`tgc_<id>`, `tgr_<id>` for a refund).
 * Per minute: one event per (customer, event name, UTC minute) summing the values, timestamped at
 * the minute's start and identified by the minute and a hash of its members. The identifier is a
 * function of the members, so the dispatcher must freeze which usage goes in a bucket before its
 * first send and resend exactly that bucket: a usage arriving later for the same minute then makes a
 * bucket of its own (another identifier, counted once) instead of a duplicate that Stripe would drop.
 */
export function buildMeterEvents(usage: readonly MeteredUsage[], options: BuildMeterEventsOptions): MeterEventPlan {
  const names = options.eventNames ?? DEFAULT_METER_EVENT_NAMES;
  for (const item of usage) assertWholeAmount(item);
  return options.aggregation === 'per_call' ? perCall(usage, names) : perMinute(usage, names);
}

function perCall(usage: readonly MeteredUsage[], names: MeterEventNames): MeterEventPlan {
  const drafts: MeterEventDraft[] = [];
  const noEventNeeded: string[] = [];
  for (const item of usage) {
    if (item.amount === 0) {
      noEventNeeded.push(item.chargeId);
      continue;
    }
    const prefix = item.kind === 'charge' ? 'tgc_' : 'tgr_';
    drafts.push({
      event: meterEvent(names[item.type], item.customerId, signedValue(item), Math.floor(item.atMs / 1000), boundedIdentifier(prefix + item.chargeId)),
      chargeIds: [item.chargeId],
    });
  }
  return { drafts, noEventNeeded };
}

function perMinute(usage: readonly MeteredUsage[], names: MeterEventNames): MeterEventPlan {
  const buckets = new Map<string, { eventName: string; customerId: string; minuteMs: number; value: number; members: MeteredUsage[] }>();
  for (const item of usage) {
    const eventName = names[item.type];
    const minuteMs = Math.floor(item.atMs / MINUTE_MS) * MINUTE_MS;
    const key = JSON.stringify([item.customerId, eventName, minuteMs]);
    const bucket = buckets.get(key) ?? { eventName, customerId: item.customerId, minuteMs, value: 0, members: [] };
    bucket.value += signedValue(item);
    bucket.members.push(item);
    buckets.set(key, bucket);
  }
  const drafts: MeterEventDraft[] = [];
  const noEventNeeded: string[] = [];
  for (const bucket of buckets.values()) {
    const chargeIds = bucket.members.map((m) => m.chargeId);
    if (bucket.value === 0) {
      noEventNeeded.push(...chargeIds);
      continue;
    }
    const minuteSeconds = bucket.minuteMs / 1000;
    const identifier = `tgm_${minuteSeconds}_${membersHash(bucket.customerId, bucket.eventName, minuteSeconds, bucket.members)}`;
    drafts.push({ event: meterEvent(bucket.eventName, bucket.customerId, bucket.value, minuteSeconds, identifier), chargeIds });
  }
  return { drafts, noEventNeeded };
}

function meterEvent(eventName: string, customerId: string, value: number, timestamp: number, identifier: string): StripeMeterEvent {
  return { event_name: eventName, identifier, timestamp, payload: { stripe_customer_id: customerId, value: String(value) } };
}

function signedValue(item: MeteredUsage): number {
  return item.kind === 'refund' ? -item.amount : item.amount;
}

function assertWholeAmount(item: MeteredUsage): void {
  if (!Number.isSafeInteger(item.amount) || item.amount < 0) {
    throw new TollgateError('VALIDATION_FAILED', {
      message: `Meter events carry whole numbers of interactions: charge ${item.chargeId} has amount ${item.amount}.`,
      details: { chargeId: item.chargeId, amount: item.amount },
    });
  }
}

/** Sorted member ids (with their kind), so the same bucket hashes the same whatever the order. */
function membersHash(customerId: string, eventName: string, minuteSeconds: number, members: readonly MeteredUsage[]): string {
  const ids = members.map((m) => `${m.kind}:${m.chargeId}`).sort();
  return createHash('sha256').update(JSON.stringify([customerId, eventName, minuteSeconds, ids])).digest('base64url').slice(0, 32);
}

function boundedIdentifier(identifier: string): string {
  if (identifier.length <= MAX_IDENTIFIER_LENGTH) return identifier;
  return `tgh_${createHash('sha256').update(identifier).digest('base64url')}`;
}

/** The v2 stream's form of an event: the same fields, the timestamp as an ISO 8601 instant. */
export function toStreamEvent(event: StripeMeterEvent): { event_name: string; identifier: string; timestamp: string; payload: { stripe_customer_id: string; value: string } } {
  return {
    event_name: event.event_name,
    identifier: event.identifier,
    timestamp: new Date(event.timestamp * 1000).toISOString(),
    payload: { stripe_customer_id: event.payload.stripe_customer_id, value: event.payload.value },
  };
}
