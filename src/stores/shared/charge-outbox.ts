/**
 * What a charge writes to the outbox (pure): the thresholds it crossed and, under metered billing, its
 * meter event. Stores call it inside the transaction of the charge, with the counters they moved, so
 * an event exists exactly when the charge that causes it committed. The PostgreSQL ledger applies the
 * same rule in SQL (postgres-outbox-sql.ts) from the same marks; the conformance suite holds both to
 * the same answers.
 */
import { createHash } from 'node:crypto';
import type { Attribution, ChargeRequest, CounterRef, OutboxEvent, ThresholdMark } from '../contract/index.js';
import { thresholdDedupKey } from '../../core/thresholds.js';

const MINUTE_MS = 60_000;
/** A meter event summed per minute waits this long past its minute for charges still committing. */
export const METER_MINUTE_GRACE_MS = 5_000;

/** The stable event id of a dedup key (the webhook-id receivers deduplicate on). */
export function outboxEventId(dedupKey: string): string {
  return `evt_${createHash('sha256').update(dedupKey).digest('hex').slice(0, 32)}`;
}

/**
 * The events of a granted charge (`used` is the counters after it, one per request line), or of its
 * refund when the ledger applied it (`used` ignored). A replayed charge writes nothing: its original did.
 */
export function chargeOutboxEvents(request: ChargeRequest, kind: 'charge' | 'refund', used: readonly number[] = []): OutboxEvent[] {
  const outbox = request.outbox;
  if (!outbox) return [];
  const events: OutboxEvent[] = [];
  if (kind === 'charge') {
    for (let i = 0; i < outbox.marks.length; i++) {
      const marks = outbox.marks[i]!;
      const line = request.lines[i];
      const after = used[i];
      if (marks.length === 0 || !line || after === undefined) continue;
      const before = after - line.amount;
      for (const mark of marks) {
        if (before < mark.point && mark.point <= after) events.push(thresholdEvent(request, i, mark, before, after));
      }
    }
  }
  const meter = meterOutboxEvent(request, kind);
  if (meter) events.push(meter);
  return events;
}

/** The meter event of a charge (or of its refund), or null when it has none (not metered, or free). */
export function meterOutboxEvent(request: ChargeRequest, kind: 'charge' | 'refund'): OutboxEvent | null {
  return request.outbox?.meter && request.cost > 0 ? meterEvent(request, kind) : null;
}

/** The threshold event's data without the counter figures (the PostgreSQL ledger adds those in SQL). */
export function thresholdEventBase(request: ChargeRequest, lineIndex: number, mark: ThresholdMark) {
  const template = thresholdEventTemplate(request.attribution, request.lines[lineIndex]!.counter, mark);
  return { dedupKey: template.dedupKey, data: { charge_id: request.id, ...template.data } };
}

/**
 * thresholdEventBase without the charge: what every charge of one attribution, counter and mark
 * shares. The event's data is `{ charge_id, ...data, used_before, used }` (the PostgreSQL ledger
 * caches this part and adds the rest in SQL).
 */
export function thresholdEventTemplate(a: Attribution, counter: CounterRef, mark: ThresholdMark) {
  return {
    dedupKey: thresholdDedupKey(counter.period, { scope: counter.scope, scopeId: counter.scopeId, type: a.type }, mark.percent),
    data: {
      organization_id: a.organizationId,
      namespace_id: a.namespaceId,
      api_key_id: a.apiKeyId,
      operation: a.operation,
      period: counter.period,
      scope: counter.scope,
      scope_id: counter.scopeId,
      type: a.type,
      threshold_percent: mark.percent,
      limit: mark.limit,
    },
  };
}

function thresholdEvent(request: ChargeRequest, lineIndex: number, mark: ThresholdMark, before: number, after: number): OutboxEvent {
  const base = thresholdEventBase(request, lineIndex, mark);
  return {
    dedupKey: base.dedupKey,
    organizationId: request.attribution.organizationId,
    topic: 'webhook',
    type: 'usage.threshold',
    payload: { ...base.data, used_before: before, used: after },
    atMs: request.atMs,
    availableAtMs: request.atMs,
  };
}

/** When a meter event may leave: at once per call, after its minute (and a grace) when summed per minute. */
export function meterAvailableAt(atMs: number, aggregation: 'per_call' | 'per_minute'): number {
  return aggregation === 'per_call' ? atMs : Math.floor(atMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS + METER_MINUTE_GRACE_MS;
}

function meterEvent(request: ChargeRequest, kind: 'charge' | 'refund'): OutboxEvent {
  const meter = request.outbox!.meter!;
  const a = request.attribution;
  if (meter.aggregation === 'per_minute') return minuteSum(request, kind);
  return {
    dedupKey: `meter:${kind}:${request.id}`,
    organizationId: a.organizationId,
    topic: 'meter',
    type: a.type,
    payload: {
      charge_id: request.id,
      kind,
      customer_id: meter.customerId,
      type: a.type,
      amount: request.cost,
      at_ms: request.atMs,
      period: request.period.key,
      // The catalogue version that priced it (a request made without one, by a test or an older process, has none).
      ...(meter.catalogueVersion === undefined ? {} : { catalogue_version: meter.catalogueVersion }),
    },
    atMs: request.atMs,
    availableAtMs: meterAvailableAt(request.atMs, meter.aggregation),
  };
}

/**
 * Per minute, a charge adds its cost to (and its refund takes it from) the meter event of its
 * organization, customer, type, minute and catalogue version, summed as it is written: one entry per
 * minute instead of one per charge, so that metering costs the charge path a row per minute, not per
 * call (OutboxEvent.accumulate).
 */
function minuteSum(request: ChargeRequest, kind: 'charge' | 'refund'): OutboxEvent {
  const meter = request.outbox!.meter!;
  const a = request.attribution;
  const minute = Math.floor(request.atMs / MINUTE_MS) * MINUTE_MS;
  const version = meter.catalogueVersion;
  return {
    dedupKey: `meter:minute:${a.organizationId}:${meter.customerId}:${a.type}:${minute}:v${version ?? 0}`,
    organizationId: a.organizationId,
    topic: 'meter',
    type: a.type,
    payload: {
      kind: 'sum',
      charge_id: request.id,
      customer_id: meter.customerId,
      type: a.type,
      amount: kind === 'refund' ? -request.cost : request.cost,
      at_ms: minute,
      period: request.period.key,
      ...(version === undefined ? {} : { catalogue_version: version }),
    },
    atMs: request.atMs,
    availableAtMs: meterAvailableAt(request.atMs, 'per_minute'),
    accumulate: true,
  };
}
