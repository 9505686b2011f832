import type { Outbox, OutboxEntry, OutboxEvent, WebhookEndpoint } from '../contract/index.js';
import { boundedError, compareNewestFirst, lateSum, matchesOutboxQuery, outboxEntriesOf, splitSummed } from '../shared/outbox-rows.js';

export interface RamOutbox extends Outbox {
  /** Writes events synchronously, inside the caller's atomic step (a ledger batch). */
  write(events: readonly OutboxEvent[]): number;
}

export function createRamOutbox(endpointsOf: (organizationId: string) => readonly WebhookEndpoint[]): RamOutbox {
  const entries = new Map<string, OutboxEntry>();
  const keys = new Set<string>();

  const insert = (events: readonly OutboxEvent[]) => {
    let written = 0;
    for (const entry of outboxEntriesOf(events, endpointsOf)) {
      if (keys.has(entry.dedupKey)) continue;
      keys.add(entry.dedupKey);
      entries.set(entry.id, entry);
      written++;
    }
    return written;
  };
  const write = (events: readonly OutboxEvent[]) => {
    const { plain, sums } = splitSummed(events);
    let written = insert(plain);
    for (const sum of sums) {
      const [fresh] = outboxEntriesOf([sum], endpointsOf);
      const existing = entries.get(fresh!.id);
      if (existing && existing.state === 'pending' && existing.attempts === 0) {
        entries.set(existing.id, { ...existing, payload: { ...existing.payload, amount: Number(existing.payload.amount) + Number(sum.payload.amount) } });
        continue;
      }
      written += insert([sum]) || insert([lateSum(sum)]);
    }
    return written;
  };

  return {
    write,
    enqueue: async (events) => write(events),
    async lease({ topic, owner, nowMs, leaseMs, limit }) {
      const free = [...entries.values()]
        .filter((e) => e.topic === topic && e.state === 'pending' && e.availableAtMs <= nowMs && (e.leaseUntilMs === null || e.leaseUntilMs <= nowMs))
        .sort((a, b) => a.availableAtMs - b.availableAtMs || (a.id < b.id ? -1 : 1))
        .slice(0, limit);
      return free.map((e) => {
        const leased = { ...e, attempts: e.attempts + 1, leaseOwner: owner, leaseUntilMs: nowMs + leaseMs };
        entries.set(e.id, leased);
        return leased;
      });
    },
    async settle(owner, outcomes) {
      let applied = 0;
      for (const outcome of outcomes) {
        const e = entries.get(outcome.id);
        if (!e || e.leaseOwner !== owner || e.state !== 'pending') continue;
        applied++;
        switch (outcome.state) {
          case 'delivered':
            entries.set(e.id, { ...e, state: 'delivered', deliveredAtMs: outcome.atMs, lastStatus: outcome.status, leaseOwner: null, leaseUntilMs: null });
            break;
          case 'pending':
            entries.set(e.id, { ...e, availableAtMs: outcome.availableAtMs, lastError: boundedError(outcome.error), lastStatus: outcome.status, leaseOwner: null, leaseUntilMs: null });
            break;
          case 'failed':
            entries.set(e.id, { ...e, state: 'failed', lastError: boundedError(outcome.error), lastStatus: outcome.status, leaseOwner: null, leaseUntilMs: null });
            break;
        }
      }
      return applied;
    },
    async merge(owner, merges) {
      let applied = 0;
      for (const m of merges) {
        const members = m.memberIds.map((id) => entries.get(id));
        if (!members.every((e) => e && e.leaseOwner === owner && e.state === 'pending')) continue;
        const [sum] = outboxEntriesOf([m.event], endpointsOf);
        if (!keys.has(sum!.dedupKey)) {
          keys.add(sum!.dedupKey);
          entries.set(sum!.id, sum!);
        }
        for (const e of members) entries.set(e!.id, { ...e!, state: 'merged', batch: sum!.id, leaseOwner: null, leaseUntilMs: null });
        applied++;
      }
      return applied;
    },
    async list(query) {
      const offset = query.offset ?? 0;
      return [...entries.values()].filter((e) => matchesOutboxQuery(e, query)).sort(compareNewestFirst).slice(offset, offset + query.limit);
    },
    async retry(target, nowMs) {
      let count = 0;
      for (const e of entries.values()) {
        if (e.state !== 'failed') continue;
        if (target.ids && !target.ids.includes(e.id)) continue;
        if (target.organizationId !== undefined && e.organizationId !== target.organizationId) continue;
        if (!target.ids && target.organizationId === undefined) continue;
        entries.set(e.id, { ...e, state: 'pending', attempts: 0, availableAtMs: nowMs, leaseOwner: null, leaseUntilMs: null });
        count++;
      }
      return count;
    },
  };
}
