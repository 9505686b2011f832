import type Database from 'better-sqlite3';
import type { FeedbackRepository, MemoryRepository } from '../contract/index.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import { searchTerms } from '../shared/search-terms.js';
import { withinSearchBytes } from '../shared/search-window.js';
import { guarded } from './sqlite-errors.js';
import { createSqliteHoldings } from './sqlite-holdings.js';
import { toFeedback, toMemory, type Row } from './sqlite-mapper.js';

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export function createSqliteMemories(db: Database.Database): MemoryRepository {
  const insert = db.prepare(`
    INSERT INTO memories (id, organization_id, namespace_id, content, type, metadata, external_user_id, user_id, extra, bytes, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const get = db.prepare('SELECT * FROM memories WHERE namespace_id = ? AND id = ?');
  const remove = db.prepare('DELETE FROM memories WHERE namespace_id = ? AND id = ?');
  const holdings = createSqliteHoldings(db);
  const { move } = holdings;
  // Ranks first on narrow rows (seq, bytes), then loads only the memories the call returns.
  const ranking = (userFilter: string) =>
    db.prepare(`
      SELECT m.seq, m.bytes, bm25(memories_fts) AS rank FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
      WHERE memories_fts MATCH ? AND m.namespace_id = ? ${userFilter}
      ORDER BY rank, m.created_at, m.id LIMIT ? OFFSET ?`);
  const rankAll = ranking('');
  const rankOneUser = ranking('AND m.external_user_id = ?');
  const bySeq = db.prepare('SELECT * FROM memories WHERE seq = ?');
  return {
    async insert(memories, limits) {
      return holdings.insert(memories, 'memories', limits, () => {
        for (const m of memories) {
          insert.run(m.id, m.organizationId, m.namespaceId, m.content, m.type, json(m.metadata), m.externalUserId, m.userId, JSON.stringify(m.extra), m.bytes, m.createdAt, m.updatedAt);
        }
      });
    },
    async get(namespaceId, id) {
      const row = guarded(() => get.get(namespaceId, id) as Row | undefined);
      return row ? toMemory(row) : null;
    },
    async update(namespaceId, id, patch, limits) {
      return guarded(() =>
        db
          .transaction(() => {
            const row = get.get(namespaceId, id) as Row | undefined;
            if (!row) return { outcome: 'not_found' } as const;
            const before = toMemory(row);
            const after = applyMemoryPatch(before, patch);
            const delta = { memories: 0, bytes: after.bytes - before.bytes };
            const refusal = holdings.refusal(before, delta, limits);
            if (refusal) return { outcome: 'refused', refusal } as const;
            db.prepare('UPDATE memories SET content = ?, type = ?, metadata = ?, extra = ?, bytes = ?, updated_at = ? WHERE namespace_id = ? AND id = ?').run(
              after.content,
              after.type,
              json(after.metadata),
              JSON.stringify(after.extra),
              after.bytes,
              after.updatedAt,
              namespaceId,
              id,
            );
            move(before, delta);
            return { outcome: 'updated', before, after } as const;
          })
          .immediate(),
      );
    },
    async delete(namespaceId, id) {
      return guarded(() =>
        db
          .transaction(() => {
            const row = get.get(namespaceId, id) as Row | undefined;
            if (!row) return null;
            remove.run(namespaceId, id);
            const gone = toMemory(row);
            move(gone, { memories: -1, bytes: -gone.bytes });
            return gone;
          })
          .immediate(),
      );
    },
    async deleteAll(namespaceId, { externalUserId }) {
      return guarded(() =>
        db
          .transaction(() => {
            const where = externalUserId === undefined ? 'namespace_id = ?' : 'namespace_id = ? AND external_user_id = ?';
            const args = externalUserId === undefined ? [namespaceId] : [namespaceId, externalUserId];
            const totals = db
              .prepare(`SELECT organization_id, count(*) AS memories, coalesce(sum(bytes), 0) AS bytes FROM memories WHERE ${where} GROUP BY organization_id`)
              .all(...args) as Row[];
            db.prepare(`DELETE FROM memories WHERE ${where}`).run(...args);
            return holdings.release(namespaceId, totals);
          })
          .immediate(),
      );
    },
    async holdings(scope, id) {
      return guarded(() => holdings.of(scope, id));
    },
    async search(namespaceId, { text, limit, offset = 0, maxBytes, externalUserId }) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      const match = terms.map((t) => `"${t}"`).join(' OR ');
      type Ranked = { seq: number; bytes: number; rank: number };
      return guarded(() =>
        db.transaction(() => {
          const ranked = (externalUserId === undefined ? rankAll.all(match, namespaceId, limit, offset) : rankOneUser.all(match, namespaceId, externalUserId, limit, offset)) as Ranked[];
          // bm25 is lower for better matches; the contract's score is higher-is-better.
          return withinSearchBytes(ranked, maxBytes, (r) => r.bytes).map((r) => ({ memory: toMemory(bySeq.get(r.seq) as Row), score: -r.rank }));
        })(),
      );
    },
  };
}

export function createSqliteFeedback(db: Database.Database): FeedbackRepository {
  const insert = db.prepare('INSERT INTO feedback (id, organization_id, namespace_id, search_id, user_id, external_user_id, data, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const holdings = createSqliteHoldings(db);
  return {
    async insert(records, limits) {
      return holdings.insert(records, 'feedback', limits, () => {
        for (const r of records) insert.run(r.id, r.organizationId, r.namespaceId, r.searchId, r.userId, r.externalUserId, JSON.stringify(r.data), r.bytes, r.createdAt);
      });
    },
    async get(namespaceId, id) {
      const row = guarded(() => db.prepare('SELECT * FROM feedback WHERE namespace_id = ? AND id = ?').get(namespaceId, id) as Row | undefined);
      return row ? toFeedback(row) : null;
    },
    async deleteAll(namespaceId) {
      return guarded(() =>
        db
          .transaction(() => {
            const totals = db.prepare('SELECT organization_id, coalesce(sum(bytes), 0) AS bytes FROM feedback WHERE namespace_id = ? GROUP BY organization_id').all(namespaceId) as Row[];
            db.prepare('DELETE FROM feedback WHERE namespace_id = ?').run(namespaceId);
            return holdings.release(namespaceId, totals);
          })
          .immediate(),
      );
    },
  };
}
