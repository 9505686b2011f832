import type { Clock } from '../../core/ports.js';
import type { IdempotencyCache, InteractionLog, RollupQuery, Settings } from '../contract/index.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded } from './postgres-errors.js';
import { toEvent, toInteraction, toKey, toRefusal, toRollup } from './postgres-mapper.js';

export function createPostgresLog(pool: PostgresPool, schema: string): InteractionLog {
  const query = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows;
  return {
    async interactions(q) {
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (column: string, value: unknown) => {
        values.push(value);
        where.push(`${column} = $${values.length}`);
      };
      if (q.organizationId !== undefined) add('organization_id', q.organizationId);
      if (q.namespaceId !== undefined) add('namespace_id', toKey(q.namespaceId));
      if (q.apiKeyId !== undefined) add('api_key_id', q.apiKeyId);
      if (q.year !== undefined) add('year', q.year);
      if (q.month !== undefined) add('month', q.month);
      const rows = await query(`SELECT * FROM ${schema}.interactions ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`, values);
      return rows.map(toInteraction);
    },
    async rollups(q) {
      const { where, values } = dayRange(q);
      return (await query(`SELECT * FROM ${schema}.daily_rollups WHERE ${where} ORDER BY day`, values)).map(toRollup);
    },
    async refusals(q) {
      const { where, values } = dayRange(q);
      return (await query(`SELECT * FROM ${schema}.daily_refusals WHERE ${where} ORDER BY day`, values)).map(toRefusal);
    },
    async events({ organizationId, fromMs, toMs, limit }) {
      const rows = await query(
        `SELECT * FROM ${schema}.usage_events WHERE organization_id = $1 AND at >= $2 AND at < $3 ORDER BY at, seq LIMIT $4`,
        [organizationId, fromMs, toMs, limit],
      );
      return rows.map(toEvent);
    },
  };
}

function dayRange(q: RollupQuery): { where: string; values: unknown[] } {
  const values: unknown[] = [q.organizationId, q.fromDay, q.toDay];
  let where = 'organization_id = $1 AND day >= $2 AND day <= $3';
  if (q.namespaceId !== undefined) {
    values.push(toKey(q.namespaceId));
    where += ` AND namespace_id = $${values.length}`;
  }
  if (q.apiKeyId !== undefined) {
    values.push(q.apiKeyId);
    where += ` AND api_key_id = $${values.length}`;
  }
  return { where, values };
}

export function createPostgresSettings(pool: PostgresPool, schema: string): Settings {
  return {
    async get(name) {
      const { rows } = await guarded(() => pool.query(`SELECT value FROM ${schema}.settings WHERE name = $1`, [name]));
      return rows[0] ? String(rows[0].value) : null;
    },
    async putIfAbsent(name, value) {
      const { rowCount } = await guarded(() => pool.query(`INSERT INTO ${schema}.settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, value]));
      return rowCount === 1;
    },
  };
}

export function createPostgresIdempotencyCache(pool: PostgresPool, schema: string, clock: Clock): IdempotencyCache {
  return {
    async getResponse(scope, key) {
      const { rows } = await guarded(() =>
        pool.query(`SELECT status, headers, body FROM ${schema}.idempotent_responses WHERE scope = $1 AND key = $2 AND expires_at > $3`, [scope, key, clock.now()]),
      );
      const row = rows[0];
      return row ? { status: Number(row.status), headers: row.headers as Record<string, string>, body: String(row.body) } : null;
    },
    async putResponse(scope, key, response, expiresAtMs) {
      await guarded(() =>
        pool.query(
          `INSERT INTO ${schema}.idempotent_responses (scope, key, status, headers, body, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (scope, key) DO UPDATE SET status = excluded.status, headers = excluded.headers, body = excluded.body, expires_at = excluded.expires_at`,
          [scope, key, response.status, JSON.stringify(response.headers), response.body, expiresAtMs],
        ),
      );
    },
  };
}
