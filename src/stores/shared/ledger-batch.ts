/**
 * Decides a batch of charges in order against a synchronous view of the ledger, and gathers what
 * they change into one set of writes. A store calls it while it holds its write lock (a SQLite
 * IMMEDIATE transaction, the single thread of the in-process store), so deciding in memory is as
 * atomic as deciding in the database, and a batch of N charges costs one write per distinct row
 * instead of N. Stores that decide inside the database (Redis Lua, PostgreSQL) implement the same
 * rules from src/core/charge-rules.ts natively.
 */
import { RATE_REFUSAL, evaluateWindows, findRefusingLine, limitRefusalReason, windowStartOf } from '../../core/charge-rules.js';
import { chargeOutboxEvents } from './charge-outbox.js';
import type { Attribution, ChargeRequest, ChargeResult, CounterRef, OutboxEvent, RateState, RefusalRecord, UsageEvent } from '../contract/index.js';

export interface StoredIdempotency {
  readonly fingerprint: string;
  readonly expiresAtMs: number;
  readonly result: ChargeResult;
}

/** Reads the store answers while the batch holds its write lock. */
export interface LedgerView {
  counter(ref: CounterRef): number;
  rateCount(key: string, windowStartMs: number): number;
  idempotency(apiKeyId: string, key: string): StoredIdempotency | null;
  isRefunded(chargeId: string): boolean;
}

export interface CounterDelta {
  readonly ref: CounterRef;
  delta: number;
}

export interface RateDelta {
  readonly key: string;
  readonly windowStartMs: number;
  delta: number;
}

export interface InteractionDelta {
  readonly month: number;
  readonly year: number;
  readonly attribution: Attribution;
  count: number;
  calls: number;
  atMs: number;
}

export interface RollupDelta {
  readonly day: string;
  readonly attribution: Attribution;
  count: number;
  calls: number;
  refused: number;
  refunded: number;
}

export interface RefusalDelta {
  readonly day: string;
  readonly attribution: Attribution;
  readonly reason: string;
  count: number;
}

export interface LedgerWrites {
  readonly counters: Map<string, CounterDelta>;
  readonly rates: Map<string, RateDelta>;
  readonly interactions: Map<string, InteractionDelta>;
  readonly rollups: Map<string, RollupDelta>;
  readonly refusals: Map<string, RefusalDelta>;
  readonly idempotencyPuts: { apiKeyId: string; key: string; value: StoredIdempotency }[];
  readonly idempotencyDeletes: { apiKeyId: string; key: string }[];
  readonly events: UsageEvent[];
  readonly refundIds: { id: string; atMs: number }[];
  /** What granted charges and applied refunds write to the outbox (chargeOutboxEvents). */
  readonly outbox: OutboxEvent[];
}

// The engine hands the same (frozen) counter and attribution objects to every call of a tenant in
// a period, so their map keys are computed once per object, not once per call. The keys are the
// tables' primary keys: an Interaction record has every pointer, a rollup row no workspace or user,
// a refusal row no interaction type.
const counterKeys = new WeakMap<CounterRef, string>();
const attributionKeys = new WeakMap<
  Attribution,
  { record: string; rollup: string; refusal: string; lastPeriod: string; lastRecordKey: string; lastDay: string; lastRollupKey: string }
>();

export function counterKey(ref: CounterRef): string {
  let key = counterKeys.get(ref);
  if (key === undefined) {
    key = `${ref.scope}\u0000${ref.scopeId}\u0000${ref.metric}\u0000${ref.period}`;
    counterKeys.set(ref, key);
  }
  return key;
}

/** An attribution's keys in the three tables it is summed in (the tables' primary keys, without period or day). */
export function attributionKeysOf(a: Attribution) {
  let keys = attributionKeys.get(a);
  if (keys === undefined) {
    const tuple = [a.organizationId, a.namespaceId, a.apiKeyId, a.operation].join('\u0000');
    keys = { record: [tuple, a.type, a.workspaceId, a.userId].join('\u0000'), rollup: `${tuple}\u0000${a.type}`, refusal: tuple, lastPeriod: '', lastRecordKey: '', lastDay: '', lastRollupKey: '' };
    attributionKeys.set(a, keys);
  }
  return keys;
}

export function interactionKey(month: number, year: number, a: Attribution): string {
  const keys = attributionKeysOf(a);
  const period = `${year}-${month}`;
  if (keys.lastPeriod !== period) {
    keys.lastPeriod = period;
    keys.lastRecordKey = `${period}\u0000${keys.record}`;
  }
  return keys.lastRecordKey;
}

export function rollupKey(day: string, a: Attribution): string {
  const keys = attributionKeysOf(a);
  if (keys.lastDay !== day) {
    keys.lastDay = day;
    keys.lastRollupKey = `${day}\u0000${keys.rollup}`;
  }
  return keys.lastRollupKey;
}

export function refusalKey(day: string, a: Attribution, reason: string): string {
  return `${day}\u0000${attributionKeysOf(a).refusal}\u0000${reason}`;
}

/** A ledger batch: reads go through the view plus what earlier charges of the batch wrote. */
export class LedgerBatch {
  readonly writes: LedgerWrites = {
    counters: new Map(),
    rates: new Map(),
    interactions: new Map(),
    rollups: new Map(),
    refusals: new Map(),
    idempotencyPuts: [],
    idempotencyDeletes: [],
    events: [],
    refundIds: [],
    outbox: [],
  };
  private readonly baseCounters = new Map<string, number>();
  /** Minute windows by key, then by window start: no string is built per call. */
  private readonly rateSlots = new Map<string, Map<number, { base: number; write: RateDelta | null }>>();
  private readonly pendingIdempotency = new Map<string, StoredIdempotency | null>();
  private readonly pendingRefunds = new Set<string>();

  constructor(
    private readonly view: LedgerView,
    private readonly recordEvents: boolean,
  ) {}

  charge(request: ChargeRequest): ChargeResult {
    const idem = request.idempotency;
    const idemKey = idem ? `${request.attribution.apiKeyId}\u0000${idem.key}` : '';
    if (idem) {
      const previous = this.readIdempotency(request.attribution.apiKeyId, idem.key, idemKey);
      if (previous && previous.expiresAtMs > request.atMs) {
        if (previous.fingerprint !== idem.fingerprint) return { outcome: 'conflict' };
        return { ...previous.result, replayed: true } as ChargeResult;
      }
    }

    const lines = request.lines;
    const used = new Array<number>(lines.length);
    for (let i = 0; i < lines.length; i++) used[i] = this.readCounter(lines[i]!.counter);
    const rules = request.rates;
    let rate: RateState | null = null;
    if (rules.length > 0) {
      const counts = new Array<number>(2 * rules.length);
      for (let i = 0; i < rules.length; i++) {
        const { key, windowMs } = rules[i]!;
        const start = windowStartOf(request.atMs, windowMs);
        counts[2 * i] = this.readRate(key, start);
        counts[2 * i + 1] = this.readRate(key, start - windowMs);
      }
      const windows = evaluateWindows(rules, counts, request.atMs)!;
      const v = windows.verdict;
      rate = { limit: v.limit, remaining: v.remaining, resetAtMs: v.resetAtMs, retryAfterMs: v.retryAfterMs };
      if (!windows.allowed) return this.refuseByRate(request, used, rate, windows.told);
    }

    const refusing = findRefusingLine(lines, used);
    if (refusing >= 0) return this.refuse(request, refusing, used, rate);

    const after = new Array<number>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      this.addCounter(lines[i]!.counter, lines[i]!.amount);
      after[i] = used[i]! + lines[i]!.amount;
    }
    for (const rule of rules) this.addRate(rule.key, windowStartOf(request.atMs, rule.windowMs), 1);
    this.addRecords(request, request.cost, 1);
    const result: ChargeResult = { outcome: 'granted', chargeId: request.id, replayed: false, used: after, rate };
    if (idem) {
      const value: StoredIdempotency = { fingerprint: idem.fingerprint, expiresAtMs: idem.expiresAtMs, result };
      this.pendingIdempotency.set(idemKey, value);
      this.writes.idempotencyPuts.push({ apiKeyId: request.attribution.apiKeyId, key: idem.key, value });
    }
    this.event(request, 'granted', null);
    if (request.outbox) this.writes.outbox.push(...chargeOutboxEvents(request, 'charge', after));
    return result;
  }

  refund(request: ChargeRequest): void {
    if (this.pendingRefunds.has(request.id) || this.view.isRefunded(request.id)) return;
    this.pendingRefunds.add(request.id);
    this.writes.refundIds.push({ id: request.id, atMs: request.atMs });
    for (const line of request.lines) this.addCounter(line.counter, -line.amount);
    this.addRecords(request, -request.cost, -1);
    this.rollup(request).refunded += 1;
    if (request.idempotency) {
      const { apiKeyId } = request.attribution;
      this.pendingIdempotency.set(`${apiKeyId}\u0000${request.idempotency.key}`, null);
      this.writes.idempotencyDeletes.push({ apiKeyId, key: request.idempotency.key });
    }
    this.event(request, 'refunded', null);
    if (request.outbox) this.writes.outbox.push(...chargeOutboxEvents(request, 'refund'));
  }

  adjust(ref: CounterRef, amount: number): void {
    this.addCounter(ref, amount);
  }

  /** A call refused before the ledger (an inactive subscription): counted and explained, nothing else. */
  recordRefusal(refusal: RefusalRecord): void {
    this.countRefusal(refusal, refusal.reason);
    this.event({ ...refusal, idempotency: null }, 'refused', refusal.reason);
  }

  private refuse(request: ChargeRequest, refusedBy: number, used: number[], rate: RateState | null): ChargeResult {
    const { counter } = request.lines[refusedBy]!;
    this.countRefused(request, limitRefusalReason(counter.scope, counter.metric));
    return { outcome: 'refused', refusedBy, used, rate };
  }

  private refuseByRate(request: ChargeRequest, used: number[], rate: RateState, rateIndex: number): ChargeResult {
    this.countRefused(request, RATE_REFUSAL);
    return { outcome: 'refused', refusedBy: 'rate', rateIndex, used, rate };
  }

  private countRefused(request: ChargeRequest, reason: string): void {
    this.countRefusal(request, reason);
    this.event(request, 'refused', reason);
  }

  private countRefusal(call: { day: string; attribution: Attribution }, reason: string): void {
    this.rollup(call).refused += 1;
    const key = refusalKey(call.day, call.attribution, reason);
    const existing = this.writes.refusals.get(key);
    if (existing) existing.count += 1;
    else this.writes.refusals.set(key, { day: call.day, attribution: call.attribution, reason, count: 1 });
  }

  private addRecords(request: ChargeRequest, count: number, calls: number): void {
    const { month, year } = request.period;
    const key = interactionKey(month, year, request.attribution);
    let interaction = this.writes.interactions.get(key);
    if (!interaction) {
      interaction = { month, year, attribution: request.attribution, count: 0, calls: 0, atMs: request.atMs };
      this.writes.interactions.set(key, interaction);
    }
    interaction.count += count;
    interaction.calls += calls;
    interaction.atMs = Math.max(interaction.atMs, request.atMs);
    const rollup = this.rollup(request);
    rollup.count += count;
    rollup.calls += calls;
  }

  private rollup(request: { day: string; attribution: Attribution }): RollupDelta {
    const key = rollupKey(request.day, request.attribution);
    let rollup = this.writes.rollups.get(key);
    if (!rollup) {
      rollup = { day: request.day, attribution: request.attribution, count: 0, calls: 0, refused: 0, refunded: 0 };
      this.writes.rollups.set(key, rollup);
    }
    return rollup;
  }

  private event(
    request: Pick<ChargeRequest, 'id' | 'atMs' | 'attribution' | 'cost' | 'idempotency'>,
    outcome: UsageEvent['outcome'],
    reason: string | null,
  ): void {
    if (!this.recordEvents) return;
    const a = request.attribution;
    this.writes.events.push({
      chargeId: request.id,
      atMs: request.atMs,
      organizationId: a.organizationId,
      namespaceId: a.namespaceId,
      apiKeyId: a.apiKeyId,
      operation: a.operation,
      type: a.type,
      cost: request.cost,
      outcome,
      reason,
      idempotencyKey: request.idempotency?.key ?? null,
    });
  }

  private readCounter(ref: CounterRef): number {
    const key = counterKey(ref);
    let base = this.baseCounters.get(key);
    if (base === undefined) {
      base = this.view.counter(ref);
      this.baseCounters.set(key, base);
    }
    return base + (this.writes.counters.get(key)?.delta ?? 0);
  }

  private addCounter(ref: CounterRef, amount: number): void {
    if (amount === 0) return;
    const key = counterKey(ref);
    const existing = this.writes.counters.get(key);
    if (existing) existing.delta += amount;
    else this.writes.counters.set(key, { ref, delta: amount });
  }

  private rateSlot(rateKey: string, windowStartMs: number) {
    let windows = this.rateSlots.get(rateKey);
    if (!windows) this.rateSlots.set(rateKey, (windows = new Map()));
    let slot = windows.get(windowStartMs);
    if (!slot) windows.set(windowStartMs, (slot = { base: this.view.rateCount(rateKey, windowStartMs), write: null }));
    return slot;
  }

  private readRate(rateKey: string, windowStartMs: number): number {
    const slot = this.rateSlot(rateKey, windowStartMs);
    return slot.base + (slot.write?.delta ?? 0);
  }

  private addRate(rateKey: string, windowStartMs: number, amount: number): void {
    const slot = this.rateSlot(rateKey, windowStartMs);
    if (slot.write) slot.write.delta += amount;
    else this.writes.rates.set(`${rateKey}\u0000${windowStartMs}`, (slot.write = { key: rateKey, windowStartMs, delta: amount }));
  }

  private readIdempotency(apiKeyId: string, key: string, mapKey: string): StoredIdempotency | null {
    if (this.pendingIdempotency.has(mapKey)) return this.pendingIdempotency.get(mapKey) ?? null;
    return this.view.idempotency(apiKeyId, key);
  }
}
