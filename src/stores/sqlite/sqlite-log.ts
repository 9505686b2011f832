import type Database from 'better-sqlite3';
import type { IdempotencyCache, InteractionLog, RollupQuery, Settings, UsageEvent } from '../contract/index.js';
import { guarded } from './sqlite-errors.js';
import { toInteraction, toKey, toRefusal, toRollup, type Row } from './sqlite-mapper.js';

export function createSqliteLog(db: Database.Database): InteractionLog {
  return {
    async interactions(query) {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (column: string, value: unknown) => {
        where.push(`${column} = ?`);
        args.push(value);
      };
      if (query.organizationId !== undefined) add('organization_id', query.organizationId);
      if (query.namespaceId !== undefined) add('namespace_id', toKey(query.namespaceId));
      if (query.apiKeyId !== undefined) add('api_key_id', query.apiKeyId);
      if (query.year !== undefined) add('year', query.year);
      if (query.month !== undefined) add('month', query.month);
      const sql = `SELECT * FROM interactions ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`;
      return guarded(() => (db.prepare(sql).all(...args) as Row[]).map(toInteraction));
    },
    async rollups(query) {
      const { where, args } = dayRange(query);
      return guarded(() => (db.prepare(`SELECT * FROM daily_rollups WHERE ${where} ORDER BY day`).all(...args) as Row[]).map(toRollup));
    },
    async refusals(query) {
      const { where, args } = dayRange(query);
      return guarded(() => (db.prepare(`SELECT * FROM daily_refusals WHERE ${where} ORDER BY day`).all(...args) as Row[]).map(toRefusal));
    },
    async events({ organizationId, fromMs, toMs, limit }) {
      const segments = guarded(
        () =>
          db
            .prepare(
              `SELECT s.events FROM usage_event_segment_orgs o JOIN usage_event_segments s ON s.seq = o.seq
               WHERE o.organization_id = ? AND o.last_at >= ? AND o.first_at < ? ORDER BY o.seq`,
            )
            .pluck()
            .all(organizationId, fromMs, toMs) as string[],
      );
      const events: UsageEvent[] = [];
      for (const segment of segments) {
        for (const tuple of JSON.parse(segment) as unknown[][]) {
          const e = fromEventTuple(tuple);
          if (e.organizationId === organizationId && e.atMs >= fromMs && e.atMs < toMs) events.push(e);
        }
      }
      // Oldest first; a stable sort keeps the commit order of events of the same millisecond.
      return events.sort((a, b) => a.atMs - b.atMs).slice(0, limit);
    },
  };
}

function fromEventTuple(t: unknown[]): UsageEvent {
  return {
    chargeId: String(t[0]),
    atMs: Number(t[1]),
    organizationId: String(t[2]),
    namespaceId: (t[3] as string | null) ?? null,
    apiKeyId: String(t[4]),
    operation: String(t[5]),
    type: t[6] as UsageEvent['type'],
    cost: Number(t[7]),
    outcome: t[8] as UsageEvent['outcome'],
    reason: (t[9] as string | null) ?? null,
    idempotencyKey: (t[10] as string | null) ?? null,
  };
}

function dayRange(query: RollupQuery): { where: string; args: unknown[] } {
  const clauses = ['organization_id = ?', 'day >= ?', 'day <= ?'];
  const args: unknown[] = [query.organizationId, query.fromDay, query.toDay];
  if (query.namespaceId !== undefined) {
    clauses.push('namespace_id = ?');
    args.push(toKey(query.namespaceId));
  }
  if (query.apiKeyId !== undefined) {
    clauses.push('api_key_id = ?');
    args.push(query.apiKeyId);
  }
  return { where: clauses.join(' AND '), args };
}

export function createSqliteSettings(db: Database.Database): Settings {
  return {
    async get(name) {
      const row = guarded(() => db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined);
      return row?.value ?? null;
    },
    async putIfAbsent(name, value) {
      return guarded(() => db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, value).changes === 1);
    },
  };
}

export function createSqliteIdempotencyCache(db: Database.Database, clock: { now(): number }): IdempotencyCache {
  const get = db.prepare('SELECT status, headers, body, expires_at FROM idempotent_responses WHERE scope = ? AND key = ?');
  const put = db.prepare('INSERT OR REPLACE INTO idempotent_responses (scope, key, status, headers, body, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  return {
    async getResponse(scope, key) {
      const row = guarded(() => get.get(scope, key) as { status: number; headers: string; body: string; expires_at: number } | undefined);
      if (!row || row.expires_at <= clock.now()) return null;
      return { status: row.status, headers: JSON.parse(row.headers) as Record<string, string>, body: row.body };
    },
    async putResponse(scope, key, response, expiresAtMs) {
      guarded(() => put.run(scope, key, response.status, JSON.stringify(response.headers), response.body, expiresAtMs));
    },
  };
}
