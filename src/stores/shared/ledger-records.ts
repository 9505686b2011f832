/**
 * Folds records of decided charges (src/stores/contract/, LedgerRecord) into the rows they move,
 * for a sink that writes them in one go. The rows and their keys are those of LedgerBatch (the
 * reference), so a record applied here changes the tables exactly as the charge would have there:
 * test/stores/redis-ledger-equivalence.test.ts compares the two.
 *
 * Rows are kept in maps nested by the parts of their keys (organization, attribution, period, day),
 * so that folding a record builds no key strings: a sink folds every charge a busy Redis decides.
 */
import { RATE_REFUSAL, limitRefusalReason, windowStartOf } from '../../core/charge-rules.js';
import { chargeOutboxEvents } from './charge-outbox.js';
import type { Attribution, ChargeRequest, CounterRef, LedgerRecord, OutboxEvent, UsageEvent } from '../contract/index.js';
import { attributionKeysOf, counterKey, type InteractionDelta, type RefusalDelta, type RollupDelta, type StoredIdempotency } from './ledger-batch.js';

/** A map of maps, made as needed. */
class Nested<K1, K2, V> {
  readonly outer = new Map<K1, Map<K2, V>>();
  get(k1: K1, k2: K2, make: () => V): V {
    let inner = this.outer.get(k1);
    if (!inner) this.outer.set(k1, (inner = new Map()));
    let value = inner.get(k2);
    if (value === undefined) inner.set(k2, (value = make()));
    return value;
  }
  *values(): IterableIterator<V> {
    for (const inner of this.outer.values()) yield* inner.values();
  }
}

export interface RecordWrites {
  readonly counters: Nested<string, string, { readonly organizationId: string; readonly ref: CounterRef; delta: number }>;
  readonly rates: Nested<string, string, { readonly organizationId: string; readonly key: string; readonly windowStartMs: number; delta: number }>;
  readonly interactions: Nested<string, number, InteractionDelta>;
  readonly rollups: Nested<string, string, RollupDelta>;
  readonly refusals: Nested<string, string, RefusalDelta>;
  /** Each idempotency key's state after the records, in order: the last grant, or null once refunded. */
  readonly idempotency: Map<string, { readonly organizationId: string; readonly apiKeyId: string; readonly key: string; value: StoredIdempotency | null }>;
  readonly refunds: { readonly organizationId: string; readonly chargeId: string; readonly atMs: number }[];
  readonly events: UsageEvent[];
  /** What granted charges and applied refunds write to the outbox (chargeOutboxEvents), as LedgerBatch writes it. */
  readonly outbox: OutboxEvent[];
}

/** The reason a refused charge is counted under (as LedgerBatch gives it). */
export function refusalReasonOf(request: ChargeRequest, refusedBy: number | 'rate'): string {
  if (refusedBy === 'rate') return RATE_REFUSAL;
  const { counter } = request.lines[refusedBy]!;
  return limitRefusalReason(counter.scope, counter.metric);
}

export function foldRecords(records: Iterable<{ readonly organizationId: string; readonly record: LedgerRecord }>, recordEvents: boolean): RecordWrites {
  const w: RecordWrites = {
    counters: new Nested(),
    rates: new Nested(),
    interactions: new Nested(),
    rollups: new Nested(),
    refusals: new Nested(),
    idempotency: new Map(),
    refunds: [],
    events: [],
    outbox: [],
  };

  const addCounter = (organizationId: string, ref: CounterRef, amount: number) => {
    if (amount !== 0) w.counters.get(organizationId, counterKey(ref), () => ({ organizationId, ref, delta: 0 })).delta += amount;
  };
  const rollup = (day: string, a: Attribution) =>
    w.rollups.get(attributionKeysOf(a).rollup, day, () => ({ day, attribution: a, count: 0, calls: 0, refused: 0, refunded: 0 }));
  const addRecords = (r: ChargeRequest, count: number, calls: number) => {
    const { month, year } = r.period;
    const row = w.interactions.get(attributionKeysOf(r.attribution).record, year * 100 + month, () => ({ month, year, attribution: r.attribution, count: 0, calls: 0, atMs: r.atMs }));
    row.count += count;
    row.calls += calls;
    row.atMs = Math.max(row.atMs, r.atMs);
    const day = rollup(r.day, r.attribution);
    day.count += count;
    day.calls += calls;
  };
  const countRefusal = (day: string, a: Attribution, reason: string) => {
    rollup(day, a).refused += 1;
    w.refusals.get(attributionKeysOf(a).refusal, `${day}\u0000${reason}`, () => ({ day, attribution: a, reason, count: 0 })).count += 1;
  };
  const setIdempotency = (r: ChargeRequest, value: StoredIdempotency | null) => {
    const { organizationId, apiKeyId } = r.attribution;
    const key = r.idempotency!.key;
    w.idempotency.set(`${organizationId}\u0000${apiKeyId}\u0000${key}`, { organizationId, apiKeyId, key, value });
  };
  const event = (r: Pick<ChargeRequest, 'id' | 'atMs' | 'attribution' | 'cost' | 'idempotency'>, outcome: UsageEvent['outcome'], reason: string | null) => {
    if (!recordEvents) return;
    const a = r.attribution;
    w.events.push({
      chargeId: r.id,
      atMs: r.atMs,
      organizationId: a.organizationId,
      namespaceId: a.namespaceId,
      apiKeyId: a.apiKeyId,
      operation: a.operation,
      type: a.type,
      cost: r.cost,
      outcome,
      reason,
      idempotencyKey: r.idempotency?.key ?? null,
    });
  };

  for (const { organizationId, record } of records) {
    switch (record.kind) {
      case 'refused': {
        const r = record.request;
        const reason = refusalReasonOf(r, record.refusedBy);
        countRefusal(r.day, r.attribution, reason);
        event(r, 'refused', reason);
        break;
      }
      case 'granted': {
        const { request: r, result } = record;
        for (const line of r.lines) addCounter(organizationId, line.counter, line.amount);
        for (const { key, windowMs } of r.rates) {
          const windowStartMs = windowStartOf(r.atMs, windowMs);
          w.rates.get(organizationId, `${key}\u0000${windowStartMs}`, () => ({ organizationId, key, windowStartMs, delta: 0 })).delta += 1;
        }
        addRecords(r, r.cost, 1);
        if (r.idempotency && result) setIdempotency(r, { fingerprint: r.idempotency.fingerprint, expiresAtMs: r.idempotency.expiresAtMs, result });
        event(r, 'granted', null);
        // A record of a charge that reports thresholds carries its counters after it (redis-records.ts).
        if (r.outbox) w.outbox.push(...chargeOutboxEvents(r, 'charge', result?.used));
        break;
      }
      case 'refund': {
        const r = record.request;
        w.refunds.push({ organizationId, chargeId: r.id, atMs: r.atMs });
        for (const line of r.lines) addCounter(organizationId, line.counter, -line.amount);
        addRecords(r, -r.cost, -1);
        rollup(r.day, r.attribution).refunded += 1;
        if (r.idempotency) setIdempotency(r, null);
        event(r, 'refunded', null);
        if (r.outbox) w.outbox.push(...chargeOutboxEvents(r, 'refund'));
        break;
      }
      case 'refusal': {
        const f = record.refusal;
        countRefusal(f.day, f.attribution, f.reason);
        event({ ...f, idempotency: null }, 'refused', f.reason);
        break;
      }
      case 'adjust':
        for (const line of record.lines) addCounter(organizationId, line.counter, line.amount);
        break;
    }
  }
  return w;
}
