import type { Clock } from '../../core/ports.js';
import type { InteractionRecord, RefusalRow, RollupQuery, RollupRow, Store, StoredResponse, UsageEvent } from '../contract/index.js';
import { createBatchedLedger } from '../shared/batched-ledger.js';
import { counterKey, type LedgerWrites, type StoredIdempotency } from '../shared/ledger-batch.js';
import { createRamDirectory } from './ram-directory.js';
import { createRamHoldings } from './ram-holdings.js';
import { createRamOutbox } from './ram-outbox.js';
import { createRamWebhooks } from './ram-webhooks.js';
import { createRamFeedback, createRamMemories } from './ram-memories.js';

export interface RamStoreConfig {
  readonly clock: Clock;
  readonly events?: boolean;
}

/**
 * The reference store: everything in this process's memory. It shares the batch logic of the
 * SQLite store, so the conformance suite checks that logic without any I/O. Not durable and not
 * shared across processes; for tests, benchmarks of the engine, and embedding in a single process.
 */
export function createRamStore(config: RamStoreConfig): Store {
  const counters = new Map<string, number>();
  const rates = new Map<string, number>();
  const idempotency = new Map<string, StoredIdempotency>();
  const refunds = new Set<string>();
  const interactions = new Map<string, InteractionRecord>();
  const rollups = new Map<string, RollupRow>();
  const refusals = new Map<string, RefusalRow>();
  const events: UsageEvent[] = [];
  const holdings = createRamHoldings();
  const responses = new Map<string, { response: StoredResponse; expiresAtMs: number }>();
  const settings = new Map<string, string>();
  const recordEvents = config.events ?? true;
  const webhooks = createRamWebhooks();
  const outbox = createRamOutbox(webhooks.now);

  const view = {
    counter: (ref: Parameters<typeof counterKey>[0]) => counters.get(counterKey(ref)) ?? 0,
    rateCount: (key: string, windowStartMs: number) => rates.get(`${key}\u0000${windowStartMs}`) ?? 0,
    idempotency: (apiKeyId: string, key: string) => idempotency.get(`${apiKeyId}\u0000${key}`) ?? null,
    isRefunded: (chargeId: string) => refunds.has(chargeId),
  };

  const apply = (w: LedgerWrites) => {
    for (const [key, { delta }] of w.counters) counters.set(key, (counters.get(key) ?? 0) + delta);
    for (const [key, { delta }] of w.rates) rates.set(key, (rates.get(key) ?? 0) + delta);
    for (const [key, d] of w.interactions) {
      const a = d.attribution;
      const existing = interactions.get(key);
      interactions.set(key, {
        month: d.month,
        year: d.year,
        workspaceId: a.workspaceId,
        userId: a.userId,
        type: a.type,
        organizationId: a.organizationId,
        namespaceId: a.namespaceId,
        apiKeyId: a.apiKeyId,
        operation: a.operation,
        subscriptionId: existing?.subscriptionId ?? a.subscriptionId,
        companyId: existing?.companyId ?? a.companyId,
        count: (existing?.count ?? 0) + d.count,
        calls: (existing?.calls ?? 0) + d.calls,
        createdAt: existing?.createdAt ?? d.atMs,
        updatedAt: Math.max(existing?.updatedAt ?? 0, d.atMs),
      });
    }
    for (const [key, d] of w.rollups) {
      const a = d.attribution;
      const existing = rollups.get(key);
      rollups.set(key, {
        day: d.day,
        organizationId: a.organizationId,
        namespaceId: a.namespaceId,
        apiKeyId: a.apiKeyId,
        operation: a.operation,
        type: a.type,
        count: (existing?.count ?? 0) + d.count,
        calls: (existing?.calls ?? 0) + d.calls,
        refused: (existing?.refused ?? 0) + d.refused,
        refunded: (existing?.refunded ?? 0) + d.refunded,
      });
    }
    for (const [key, d] of w.refusals) {
      const a = d.attribution;
      const existing = refusals.get(key);
      refusals.set(key, {
        day: d.day,
        organizationId: a.organizationId,
        namespaceId: a.namespaceId,
        apiKeyId: a.apiKeyId,
        operation: a.operation,
        reason: d.reason,
        count: (existing?.count ?? 0) + d.count,
      });
    }
    for (const d of w.idempotencyDeletes) idempotency.delete(`${d.apiKeyId}\u0000${d.key}`);
    for (const p of w.idempotencyPuts) idempotency.set(`${p.apiKeyId}\u0000${p.key}`, p.value);
    for (const r of w.refundIds) refunds.add(r.id);
    if (w.outbox.length > 0) outbox.write(w.outbox);
    events.push(...w.events);
  };

  const ledger = createBatchedLedger({
    view,
    recordEvents,
    commit: (decide) => {
      const { results, writes } = decide();
      apply(writes);
      return results;
    },
  });

  const matches = (value: unknown, wanted: unknown) => wanted === undefined || value === wanted;
  const inDayRange = <T extends { organizationId: string; day: string; namespaceId: string | null; apiKeyId: string }>(rows: T[], q: RollupQuery) =>
    rows
      .filter((r) => r.organizationId === q.organizationId && r.day >= q.fromDay && r.day <= q.toDay && matches(r.namespaceId, q.namespaceId) && matches(r.apiKeyId, q.apiKeyId))
      .sort((a, b) => a.day.localeCompare(b.day));

  return {
    name: 'ram',
    capabilities: { sharedAcrossProcesses: false, sharedAcrossMachines: false, durable: false, events: recordEvents },
    ledger: {
      charge: ledger.charge,
      refund: ledger.refund,
      recordRefusal: ledger.recordRefusal,
      adjust: ledger.adjust,
      readCounters: async (refs) => refs.map((ref) => view.counter(ref)),
    },
    log: {
      interactions: async (q) =>
        [...interactions.values()].filter(
          (r) =>
            matches(r.organizationId, q.organizationId) &&
            matches(r.namespaceId, q.namespaceId) &&
            matches(r.apiKeyId, q.apiKeyId) &&
            matches(r.year, q.year) &&
            matches(r.month, q.month),
        ),
      rollups: async (q) => inDayRange([...rollups.values()], q),
      refusals: async (q) => inDayRange([...refusals.values()], q),
      events: async ({ organizationId, fromMs, toMs, limit }) =>
        events.filter((e) => e.organizationId === organizationId && e.atMs >= fromMs && e.atMs < toMs).slice(0, limit),
    },
    directory: createRamDirectory(config.clock, outbox),
    idempotency: {
      async getResponse(scope, key) {
        const entry = responses.get(`${scope}\u0000${key}`);
        return entry && entry.expiresAtMs > config.clock.now() ? entry.response : null;
      },
      async putResponse(scope, key, response, expiresAtMs) {
        responses.set(`${scope}\u0000${key}`, { response, expiresAtMs });
      },
    },
    memories: createRamMemories(holdings),
    feedback: createRamFeedback(holdings),
    webhooks,
    outbox,
    settings: {
      get: async (name) => settings.get(name) ?? null,
      async putIfAbsent(name, value) {
        if (settings.has(name)) return false;
        settings.set(name, value);
        return true;
      },
    },
    ping: async () => {},
    close: () => ledger.close(),
  };
}
