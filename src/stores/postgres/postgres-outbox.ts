import type { Outbox, OutboxEvent, OutboxOutcome } from '../contract/index.js';
import { OUTBOX_INSERT_COLUMNS, boundedError, outboxEntriesOf, outboxInsertValues, toOutboxEntry } from '../shared/outbox-rows.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded } from './postgres-errors.js';

/** Events as outbox_write (postgres-tables-sql.ts) takes them: one jsonb array. */
export function outboxEventsJson(events: readonly OutboxEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      dedup_key: e.dedupKey,
      organization_id: e.organizationId,
      topic: e.topic,
      type: e.type,
      payload: e.payload,
      at: e.atMs,
      available_at: e.availableAtMs,
      ...(e.accumulate ? { accumulate: true } : {}),
    })),
  );
}

/**
 * The outbox table. A lease is one statement: FOR UPDATE SKIP LOCKED picks rows no other
 * dispatcher is leasing at that instant, and the lease columns keep them off every other
 * dispatcher until it runs out.
 */
export function createPostgresOutbox(pool: PostgresPool, schema: string): Outbox {
  const query = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows;
  const settleSql = `
    UPDATE ${schema}.outbox AS o SET
      state = CASE WHEN u.state IN ('delivered', 'failed') THEN u.state ELSE o.state END,
      delivered_at = CASE WHEN u.state = 'delivered' THEN u.at ELSE o.delivered_at END,
      available_at = CASE WHEN u.state = 'pending' THEN u.available_at ELSE o.available_at END,
      last_error = CASE WHEN u.state IN ('pending', 'failed') THEN u.error ELSE o.last_error END,
      last_status = u.status, lease_owner = NULL, lease_until = NULL
    FROM jsonb_to_recordset($2) AS u(id text, state text, at bigint, available_at bigint, error text, status integer)
    WHERE o.id = u.id AND o.lease_owner = $1 AND o.state = 'pending'
    RETURNING o.id`;
  return {
    enqueue: async (events) => (events.length === 0 ? 0 : Number((await query(`SELECT ${schema}.outbox_write($1::jsonb) AS n`, [outboxEventsJson(events)]))[0]!.n)),
    async lease({ topic, owner, nowMs, leaseMs, limit }) {
      const rows = await query(
        `UPDATE ${schema}.outbox AS o SET lease_owner = $2, lease_until = $3 + $4::bigint, attempts = o.attempts + 1
         FROM (SELECT id FROM ${schema}.outbox
               WHERE state = 'pending' AND topic = $1 AND available_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
               ORDER BY available_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) AS due
         WHERE o.id = due.id
         RETURNING o.*`,
        [topic, owner, nowMs, leaseMs, limit],
      );
      return rows.map(toOutboxEntry).sort((a, b) => a.availableAtMs - b.availableAtMs || (a.id < b.id ? -1 : 1));
    },
    async settle(owner, outcomes) {
      if (outcomes.length === 0) return 0;
      return (await query(settleSql, [owner, JSON.stringify(outcomes.map(outcomeRow))])).length;
    },
    async merge(owner, merges) {
      let applied = 0;
      for (const m of merges) {
        const [event] = outboxEntriesOf([m.event], () => []);
        const rows = await query(
          `WITH members AS (
             SELECT id FROM ${schema}.outbox WHERE id = ANY ($1::text[]) AND lease_owner = $2 AND state = 'pending' FOR UPDATE),
           complete AS (SELECT count(*) = cardinality($1::text[]) AS ok FROM members),
           sum AS (
             INSERT INTO ${schema}.outbox (${OUTBOX_INSERT_COLUMNS})
             SELECT $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15 FROM complete WHERE ok
             ON CONFLICT (dedup_key) DO NOTHING RETURNING id)
           UPDATE ${schema}.outbox o SET state = 'merged', batch = $3, lease_owner = NULL, lease_until = NULL
           FROM complete WHERE complete.ok AND o.id IN (SELECT id FROM members)
           RETURNING o.id`,
          [m.memberIds, owner, ...outboxInsertValues(event!)],
        );
        if (rows.length > 0) applied++;
      }
      return applied;
    },
    async list(q) {
      const rows = await query(
        `SELECT * FROM ${schema}.outbox
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR organization_id = $2)
           AND ($3::text IS NULL OR endpoint_id = $3) AND ($4::text IS NULL OR topic = $4) AND ($7::text IS NULL OR type = $7)
         ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`,
        [q.state ?? null, q.organizationId ?? null, q.endpointId ?? null, q.topic ?? null, q.limit, q.offset ?? 0, q.type ?? null],
      );
      return rows.map(toOutboxEntry);
    },
    async retry(target, nowMs) {
      if (!target.ids && target.organizationId === undefined) return 0;
      const rows = await query(
        `UPDATE ${schema}.outbox SET state = 'pending', attempts = 0, available_at = $1, lease_owner = NULL, lease_until = NULL
         WHERE state = 'failed' AND ($2::text[] IS NULL OR id = ANY ($2)) AND ($3::text IS NULL OR organization_id = $3)
         RETURNING id`,
        [nowMs, target.ids ?? null, target.organizationId ?? null],
      );
      return rows.length;
    },
  };
}

function outcomeRow(o: OutboxOutcome) {
  switch (o.state) {
    case 'delivered':
      return { id: o.id, state: o.state, at: o.atMs, status: o.status };
    case 'pending':
      return { id: o.id, state: o.state, available_at: o.availableAtMs, error: boundedError(o.error), status: o.status };
    case 'failed':
      return { id: o.id, state: o.state, error: boundedError(o.error), status: o.status };
  }
}
