import type Database from 'better-sqlite3';
import type { Outbox, OutboxEvent, OutboxOutcome, WebhookEndpoint } from '../contract/index.js';
import type { Row } from '../shared/record-rows.js';
import { OUTBOX_INSERT_COLUMNS, boundedError, lateSum, outboxEntriesOf, outboxInsertValues, splitSummed, toOutboxEntry } from '../shared/outbox-rows.js';
import { toWebhookEndpoint } from '../shared/webhook-rows.js';
import { guarded, translateSqliteError } from './sqlite-errors.js';

export interface SqliteOutbox extends Outbox {
  /** Writes events inside the caller's transaction (the ledger's group commit). */
  write(events: readonly OutboxEvent[]): number;
}

/**
 * The outbox table. Leases take SQLite's write lock (IMMEDIATE), so two processes sharing the file
 * never lease one entry at once.
 */
export function createSqliteOutbox(db: Database.Database): SqliteOutbox {
  const sql = {
    endpoints: db.prepare('SELECT * FROM webhook_endpoints WHERE organization_id = ? ORDER BY created_at, id'),
    insert: db.prepare(`INSERT OR IGNORE INTO outbox (${OUTBOX_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    addToSum: db.prepare(`UPDATE outbox SET amount = amount + ? WHERE dedup_key = ? AND state = 'pending' AND attempts = 0`),
    due: db.prepare(`
      SELECT id FROM outbox
      WHERE state = 'pending' AND topic = ? AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
      ORDER BY available_at, id LIMIT ?`).pluck(),
    take: db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? RETURNING *'),
    delivered: db.prepare(`UPDATE outbox SET state = 'delivered', delivered_at = ?, last_status = ?, lease_owner = NULL, lease_until = NULL
                           WHERE id = ? AND lease_owner = ? AND state = 'pending'`),
    again: db.prepare(`UPDATE outbox SET available_at = ?, last_error = ?, last_status = ?, lease_owner = NULL, lease_until = NULL
                       WHERE id = ? AND lease_owner = ? AND state = 'pending'`),
    failed: db.prepare(`UPDATE outbox SET state = 'failed', last_error = ?, last_status = ?, lease_owner = NULL, lease_until = NULL
                        WHERE id = ? AND lease_owner = ? AND state = 'pending'`),
    held: db.prepare(`SELECT 1 FROM outbox WHERE id = ? AND lease_owner = ? AND state = 'pending'`).pluck(),
    merged: db.prepare(`UPDATE outbox SET state = 'merged', batch = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?`),
    retryIds: db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, available_at = @now, lease_owner = NULL, lease_until = NULL
                          WHERE id = @id AND state = 'failed' AND (@org IS NULL OR organization_id = @org)`),
    retryOrg: db.prepare(`UPDATE outbox SET state = 'pending', attempts = 0, available_at = ?, lease_owner = NULL, lease_until = NULL
                          WHERE organization_id = ? AND state = 'failed'`),
  };
  const endpointsOf = (organizationId: string): WebhookEndpoint[] => (sql.endpoints.all(organizationId) as Row[]).map(toWebhookEndpoint);

  const insert = (events: readonly OutboxEvent[]) => {
    let written = 0;
    for (const entry of outboxEntriesOf(events, endpointsOf)) written += sql.insert.run(...outboxInsertValues(entry)).changes;
    return written;
  };
  const write = (events: readonly OutboxEvent[]) => {
    const { plain, sums } = splitSummed(events);
    let written = plain.length > 0 ? insert(plain) : 0;
    for (const sum of sums) {
      if (sql.addToSum.run(sum.payload.amount, sum.dedupKey).changes > 0) continue;
      written += insert([sum]) || insert([lateSum(sum)]);
    }
    return written;
  };
  const settleOne = (owner: string, o: OutboxOutcome): number => {
    switch (o.state) {
      case 'delivered':
        return sql.delivered.run(o.atMs, o.status, o.id, owner).changes;
      case 'pending':
        return sql.again.run(o.availableAtMs, boundedError(o.error), o.status, o.id, owner).changes;
      case 'failed':
        return sql.failed.run(boundedError(o.error), o.status, o.id, owner).changes;
    }
  };
  const immediate = <T>(work: () => T): T => {
    try {
      return db.transaction(work).immediate();
    } catch (error) {
      throw translateSqliteError(error);
    }
  };

  return {
    write,
    enqueue: async (events) => immediate(() => write(events)),
    lease: async ({ topic, owner, nowMs, leaseMs, limit }) =>
      immediate(() => (sql.due.all(topic, nowMs, nowMs, limit) as string[]).map((id) => toOutboxEntry(sql.take.get(owner, nowMs + leaseMs, id) as Row))),
    settle: async (owner, outcomes) => immediate(() => outcomes.reduce((n, o) => n + settleOne(owner, o), 0)),
    merge: async (owner, merges) =>
      immediate(() => {
        let applied = 0;
        for (const m of merges) {
          if (!m.memberIds.every((id) => sql.held.get(id, owner) !== undefined)) continue;
          const [sum] = outboxEntriesOf([m.event], () => []);
          sql.insert.run(...outboxInsertValues(sum!));
          for (const id of m.memberIds) sql.merged.run(sum!.id, id);
          applied++;
        }
        return applied;
      }),
    async list(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.state !== undefined) (where.push('state = ?'), params.push(query.state));
      if (query.organizationId !== undefined) (where.push('organization_id = ?'), params.push(query.organizationId));
      if (query.endpointId !== undefined) (where.push('endpoint_id = ?'), params.push(query.endpointId));
      if (query.topic !== undefined) (where.push('topic = ?'), params.push(query.topic));
      if (query.type !== undefined) (where.push('type = ?'), params.push(query.type));
      const text = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`;
      return guarded(() => (db.prepare(text).all(...params, query.limit, query.offset ?? 0) as Row[]).map(toOutboxEntry));
    },
    retry: async (target, nowMs) =>
      immediate(() => {
        if (target.ids) return target.ids.reduce((n, id) => n + sql.retryIds.run({ now: nowMs, id, org: target.organizationId ?? null }).changes, 0);
        if (target.organizationId !== undefined) return sql.retryOrg.run(nowMs, target.organizationId).changes;
        return 0;
      }),
  };
}
