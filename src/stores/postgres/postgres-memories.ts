import type { FeedbackRepository, MemoryRepository } from '../contract/index.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import { searchTerms } from '../shared/search-terms.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded } from './postgres-errors.js';
import { MEMORY_COLUMNS, MEMORY_TYPES, memoryValues, toFeedback, toMemory } from './postgres-mapper.js';
import { withTransaction } from './postgres-transaction.js';

/**
 * Memories with full-text search: a stored tsvector column (english stemming, like SQLite's porter
 * tokenizer) under a GIN index, ranked with ts_rank.
 */
export function createPostgresMemories(pool: PostgresPool, schema: string): MemoryRepository {
  const columns = MEMORY_COLUMNS.join(', ');
  const query = async (sql: string, values: unknown[]) => (await guarded(() => pool.query(sql, values))).rows;

  return {
    async insert(memories) {
      if (memories.length === 0) return;
      const rows = memories.map(memoryValues);
      await query(
        `INSERT INTO ${schema}.memories (${columns}) SELECT * FROM unnest(${MEMORY_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`,
        MEMORY_COLUMNS.map((_, col) => rows.map((row) => row[col])),
      );
    },
    async get(namespaceId, id) {
      const [row] = await query(`SELECT ${columns} FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2`, [namespaceId, id]);
      return row ? toMemory(row) : null;
    },
    async update(namespaceId, id, patch) {
      return withTransaction(pool, async (client) => {
        const row = (await client.query(`SELECT ${columns} FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2 FOR UPDATE`, [namespaceId, id])).rows[0];
        if (!row) return null;
        const before = toMemory(row);
        const after = applyMemoryPatch(before, patch);
        const assignments = MEMORY_COLUMNS.map((column, i) => `${column} = $${i + 1}`).slice(2);
        await client.query(`UPDATE ${schema}.memories SET ${assignments.join(', ')} WHERE namespace_id = $1 AND id = $2`, memoryValues(after));
        return { before, after };
      });
    },
    async delete(namespaceId, id) {
      const [row] = await query(`DELETE FROM ${schema}.memories WHERE namespace_id = $1 AND id = $2 RETURNING ${columns}`, [namespaceId, id]);
      return row ? toMemory(row) : null;
    },
    async deleteAll(namespaceId, { externalUserId }) {
      const [row] = await query(
        `WITH gone AS (DELETE FROM ${schema}.memories WHERE namespace_id = $1 AND ($2::text IS NULL OR external_user_id = $2) RETURNING bytes)
         SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM gone`,
        [namespaceId, externalUserId ?? null],
      );
      return { count: Number(row!.count), bytes: Number(row!.bytes) };
    },
    async search(namespaceId, { text, limit, externalUserId }) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      // Terms are letters and digits only (searchTerms), so joining them with | cannot inject
      // tsquery syntax; stop words drop out of the query as they did out of the index.
      const rows = await query(
        `WITH q AS (SELECT to_tsquery('english', $2) AS query)
         SELECT ${columns}, ts_rank(m.search, q.query) AS rank
         FROM ${schema}.memories m, q
         WHERE m.namespace_id = $1 AND m.search @@ q.query AND ($3::text IS NULL OR m.external_user_id = $3)
         ORDER BY rank DESC, m.created_at, m.id
         LIMIT $4`,
        [namespaceId, terms.join(' | '), externalUserId ?? null, limit],
      );
      return rows.map((row) => ({ memory: toMemory(row), score: Number(row.rank) }));
    },
  };
}

export function createPostgresFeedback(pool: PostgresPool, schema: string): FeedbackRepository {
  return {
    async insert(records) {
      if (records.length === 0) return;
      await guarded(() =>
        pool.query(
          `INSERT INTO ${schema}.feedback (organization_id, id, namespace_id, search_id, user_id, external_user_id, data, created_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::bigint[])`,
          [
            records.map((r) => r.organizationId),
            records.map((r) => r.id),
            records.map((r) => r.namespaceId),
            records.map((r) => r.searchId),
            records.map((r) => r.userId),
            records.map((r) => r.externalUserId),
            records.map((r) => JSON.stringify(r.data)),
            records.map((r) => r.createdAt),
          ],
        ),
      );
    },
    async get(organizationId, id) {
      const { rows } = await guarded(() => pool.query(`SELECT * FROM ${schema}.feedback WHERE organization_id = $1 AND id = $2`, [organizationId, id]));
      return rows[0] ? toFeedback(rows[0]) : null;
    },
  };
}
