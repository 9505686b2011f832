import { findHoldingRefusal, NO_HOLDINGS, type Holdings } from '../../core/holdings.js';
import type { FeedbackRepository, MemoryRepository } from '../contract/index.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import { searchTerms } from '../shared/search-terms.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import { guarded } from './postgres-errors.js';
import { insertHeld, moveHoldings as moveHoldingsOf, releaseHeld } from './postgres-holdings.js';
import { MEMORY_COLUMNS, MEMORY_TYPES, memoryValues, toFeedback, toMemory } from './postgres-mapper.js';
import { withTransaction } from './postgres-transaction.js';

/**
 * Memories with full-text search: a stored tsvector column (english stemming, like SQLite's porter
 * tokenizer) under a GIN index, ranked with ts_rank.
 */
export function createPostgresMemories(pool: PostgresPool, schema: string): MemoryRepository {
  const columns = MEMORY_COLUMNS.join(', ');
  const query = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows;

  const moveHoldings = (client: PostgresPoolClient, owner: { organizationId: string; namespaceId: string }, delta: Holdings) => moveHoldingsOf(client, schema, owner, delta);

  return {
    async insert(memories, limits) {
      const rows = memories.map(memoryValues);
      return insertHeld(pool, schema, memories, 'memories', limits, (client) =>
        client.query(
          `INSERT INTO ${schema}.memories (${columns}) SELECT * FROM unnest(${MEMORY_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`,
          MEMORY_COLUMNS.map((_, col) => rows.map((row) => row[col])),
        ),
      );
    },
    async get(namespaceId, id) {
      const [row] = await query(`SELECT ${columns} FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2`, [namespaceId, id]);
      return row ? toMemory(row) : null;
    },
    async update(namespaceId, id, patch, limits) {
      return withTransaction(pool, async (client) => {
        const row = (await client.query(`SELECT ${columns} FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2 FOR UPDATE`, [namespaceId, id])).rows[0];
        if (!row) return { outcome: 'not_found' } as const;
        const before = toMemory(row);
        const after = applyMemoryPatch(before, patch);
        const delta = { memories: 0, bytes: after.bytes - before.bytes };
        const refusal = findHoldingRefusal(await moveHoldings(client, before, NO_HOLDINGS), delta, limits);
        if (refusal) return { outcome: 'refused', refusal } as const;
        const assignments = MEMORY_COLUMNS.map((column, i) => `${column} = $${i + 1}`).slice(2);
        await client.query(`UPDATE ${schema}.memories SET ${assignments.join(', ')} WHERE namespace_id = $1 AND id = $2`, memoryValues(after));
        await moveHoldings(client, before, delta);
        return { outcome: 'updated', before, after } as const;
      });
    },
    async delete(namespaceId, id) {
      return withTransaction(pool, async (client) => {
        const row = (await client.query(`DELETE FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2 RETURNING ${columns}`, [namespaceId, id])).rows[0];
        if (!row) return null;
        const gone = toMemory(row);
        await moveHoldings(client, gone, { memories: -1, bytes: -gone.bytes });
        return gone;
      });
    },
    async deleteAll(namespaceId, { externalUserId }) {
      return withTransaction(pool, async (client) => {
        const { rows } = await client.query(
          `WITH gone AS (DELETE FROM ${schema}.memories WHERE namespace_id = $1 AND ($2::text IS NULL OR external_user_id = $2) RETURNING organization_id, bytes)
           SELECT organization_id, count(*) AS memories, sum(bytes) AS bytes FROM gone GROUP BY organization_id`,
          [namespaceId, externalUserId ?? null],
        );
        return releaseHeld(client, schema, namespaceId, rows);
      });
    },
    async holdings(scope, id) {
      const [row] = await query(`SELECT memories, bytes FROM ${schema}.holdings WHERE scope = $1 AND scope_id = $2`, [scope, id]);
      return row ? { memories: Number(row.memories), bytes: Number(row.bytes) } : NO_HOLDINGS;
    },
    async search(namespaceId, { text, limit, offset = 0, maxBytes, externalUserId }) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      // Terms are letters and digits only (searchTerms), so joining them with | cannot inject
      // tsquery syntax; stop words drop out of the query as they did out of the index. The
      // ranking runs on narrow rows; only the memories returned are read in full (the rule of
      // maxBytes is the contract's, as withinSearchBytes applies it in the other stores).
      const rows = await query(
        `WITH q AS (SELECT to_tsquery('english', $2) AS query),
         ranked AS (
           SELECT m.id, m.bytes, m.created_at, ts_rank(m.search, q.query) AS rank
           FROM ${schema}.memories m, q
           WHERE m.namespace_id = $1 AND m.search @@ q.query AND ($3::text IS NULL OR m.external_user_id = $3)
           ORDER BY rank DESC, m.created_at, m.id
           LIMIT $4 OFFSET $5),
         windowed AS (
           SELECT id, rank, row_number() OVER w AS n, coalesce(sum(bytes) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
           FROM ranked WINDOW w AS (ORDER BY rank DESC, created_at, id))
         SELECT ${MEMORY_COLUMNS.map((c) => `m.${c}`).join(', ')}, w.rank
         FROM windowed w JOIN ${schema}.memories m ON m.namespace_id = $1 AND m.id = w.id
         WHERE w.n <= 2 OR $6::bigint IS NULL OR w.before <= $6
         ORDER BY w.n`,
        [namespaceId, terms.join(' | '), externalUserId ?? null, limit, offset, maxBytes ?? null],
      );
      return rows.map((row) => ({ memory: toMemory(row), score: Number(row.rank) }));
    },
  };
}

export function createPostgresFeedback(pool: PostgresPool, schema: string): FeedbackRepository {
  return {
    async insert(records, limits) {
      return insertHeld(pool, schema, records, 'feedback', limits, (client) =>
        client.query(
          `INSERT INTO ${schema}.feedback (organization_id, id, namespace_id, search_id, user_id, external_user_id, data, bytes, created_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::bigint[], $9::bigint[])`,
          [
            records.map((r) => r.organizationId),
            records.map((r) => r.id),
            records.map((r) => r.namespaceId),
            records.map((r) => r.searchId),
            records.map((r) => r.userId),
            records.map((r) => r.externalUserId),
            records.map((r) => JSON.stringify(r.data)),
            records.map((r) => r.bytes),
            records.map((r) => r.createdAt),
          ],
        ),
      );
    },
    async get(namespaceId, id) {
      const { rows } = await guarded(() => pool.query(`SELECT * FROM ${schema}.feedback WHERE namespace_id = $1 AND id = $2`, [namespaceId, id]));
      return rows[0] ? toFeedback(rows[0]) : null;
    },
    async deleteAll(namespaceId) {
      return withTransaction(pool, async (client) => {
        const { rows } = await client.query(
          `WITH gone AS (DELETE FROM ${schema}.feedback WHERE namespace_id = $1 RETURNING organization_id, bytes)
           SELECT organization_id, sum(bytes) AS bytes FROM gone GROUP BY organization_id`,
          [namespaceId],
        );
        return releaseHeld(client, schema, namespaceId, rows);
      });
    },
  };
}
