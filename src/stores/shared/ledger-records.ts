/**
 * Folds records of decided charges (src/stores/contract.ts, LedgerRecord) into the rows they move,
 * for a sink that writes them in one go. The rows and their keys are those of LedgerBatch (the
 * reference), so a record applied here changes the tables exactly as the charge would have there:
 * test/stores/redis-ledger-equivalence.test.ts compares the two.
 */
import { RATE_REFUSAL, limitRefusalReason, windowStartOf } from '../../core/charge-rules.js';
import type { Attribution, ChargeRequest, CounterRef, LedgerRecord, UsageEvent } from '../contract.js';
import { counterKey, interactionKey, refusalKey, rollupKey, type InteractionDelta, type RefusalDelta, type RollupDelta, type StoredIdempotency } from './ledger-batch.js';

export interface RecordWrites {
  readonly counters: Map<string, { readonly organizationId: string; readonly ref: CounterRef; delta: number }>;
  readonly rates: Map<string, { readonly organizationId: string; readonly key: string; readonly windowStartMs: number; delta: number }>;
  readonly interactions: Map<string, InteractionDelta>;
  readonly rollups: Map<string, RollupDelta>;
  readonly refusals: Map<string, RefusalDelta>;
  /** Each idempotency key's state after the records, in order: the last grant, or null once refunded. */
  readonly idempotency: Map<string, { readonly organizationId: string; readonly apiKeyId: string; readonly key: string; value: StoredIdempotency | null }>;
  readonly refunds: { readonly organizationId: string; readonly chargeId: string; readonly atMs: number }[];
  readonly events: UsageEvent[];
}

/** The reason a refused charge is counted under (as LedgerBatch gives it). */
export function refusalReasonOf(request: ChargeRequest, refusedBy: number | 'rate'): string {
  if (refusedBy === 'rate') return RATE_REFUSAL;
  const { counter } = request.lines[refusedBy]!;
  return limitRefusalReason(counter.scope, counter.metric);
}

export function foldRecords(records: Iterable<{ readonly organizationId: string; readonly record: LedgerRecord }>, recordEvents: boolean): RecordWrites {
  const w: RecordWrites = {
    counters: new Map(),
    rates: new Map(),
    interactions: new Map(),
    rollups: new Map(),
    refusals: new Map(),
    idempotency: new Map(),
    refunds: [],
    events: [],
  };

  const addCounter = (organizationId: string, ref: CounterRef, amount: number) => {
    if (amount === 0) return;
    const key = `${organizationId}\u0000${counterKey(ref)}`;
    const existing = w.counters.get(key);
    if (existing) existing.delta += amount;
    else w.counters.set(key, { organizationId, ref, delta: amount });
  };
  const rollup = (day: string, a: Attribution) => {
    const key = rollupKey(day, a);
    let row = w.rollups.get(key);
    if (!row) w.rollups.set(key, (row = { day, attribution: a, count: 0, calls: 0, refused: 0, refunded: 0 }));
    return row;
  };
  const addRecords = (r: ChargeRequest, count: number, calls: number) => {
    const key = interactionKey(r.period.month, r.period.year, r.attribution);
    let row = w.interactions.get(key);
    if (!row) w.interactions.set(key, (row = { month: r.period.month, year: r.period.year, attribution: r.attribution, count: 0, calls: 0, atMs: r.atMs }));
    row.count += count;
    row.calls += calls;
    row.atMs = Math.max(row.atMs, r.atMs);
    const day = rollup(r.day, r.attribution);
    day.count += count;
    day.calls += calls;
  };
  const countRefusal = (day: string, a: Attribution, reason: string) => {
    rollup(day, a).refused += 1;
    const key = refusalKey(day, a, reason);
    const existing = w.refusals.get(key);
    if (existing) existing.count += 1;
    else w.refusals.set(key, { day, attribution: a, reason, count: 1 });
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
        if (r.rate) {
          const windowStartMs = windowStartOf(r.atMs, r.rate.windowMs);
          const key = `${organizationId}\u0000${r.rate.key}\u0000${windowStartMs}`;
          const existing = w.rates.get(key);
          if (existing) existing.delta += 1;
          else w.rates.set(key, { organizationId, key: r.rate.key, windowStartMs, delta: 1 });
        }
        addRecords(r, r.cost, 1);
        if (r.idempotency) setIdempotency(r, { fingerprint: r.idempotency.fingerprint, expiresAtMs: r.idempotency.expiresAtMs, result });
        event(r, 'granted', null);
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
