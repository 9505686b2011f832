/**
 * Upgrading a store that already holds memories: the holdings migration measures every memory
 * again (content, metadata and extra fields) and starts the holdings at exactly what is stored, so
 * that limits hold from the first call after the upgrade and deletes give back what each memory took.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { feedbackBytes, storedBytes, UNLIMITED_HOLDINGS } from '../../src/core/holdings.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { MIGRATIONS as PG_MIGRATIONS, quoteSchema } from '../../src/stores/postgres/postgres-schema.js';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../../src/stores/sqlite/sqlite-schema.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';

/** Memories as the previous version kept them: bytes counted the content only. */
const OLD_MEMORIES = [
  { id: 'mem_a', org: 'org_1', ns: 'ns_1', content: 'plain note', metadata: null, extra: {} },
  { id: 'mem_b', org: 'org_1', ns: 'ns_1', content: 'naïve café ☕', metadata: { topics: ['coffee'], weight: 2 }, extra: {} },
  { id: 'mem_c', org: 'org_1', ns: 'ns_2', content: 'with context', metadata: { big: 'x'.repeat(500) }, extra: { context: [{ role: 'user', content: 'hi' }] } },
  { id: 'mem_d', org: 'org_2', ns: 'ns_3', content: 'other organization', metadata: null, extra: {} },
];
const oldBytes = (content: string) => Buffer.byteLength(content);
/** Feedback as the previous version kept it: no bytes, and none of the namespace when an organization key sent it. */
const OLD_FEEDBACK = [
  { id: 'fb_a', org: 'org_1', ns: 'ns_2', data: { feedbackType: 'thumbs_up', feedbackText: 'très bien' } },
  { id: 'fb_b', org: 'org_1', ns: null, data: { feedbackType: 'rating', feedbackScore: 4 } },
];
const DEFAULT_NAMESPACE = { org_1: 'ns_1' } as const;

describe('sqlite: the holdings migration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-holdings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures existing memories again, starts holdings at what is stored, and deletes give back exactly that', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    const previous = SQLITE_MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE holdings'));
    for (const sql of SQLITE_MIGRATIONS.slice(0, previous)) db.exec(sql);
    db.pragma(`user_version = ${previous}`);
    const insert = db.prepare(
      'INSERT INTO memories (id, organization_id, namespace_id, content, type, metadata, external_user_id, user_id, extra, bytes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, 1, 1)',
    );
    for (const m of OLD_MEMORIES) insert.run(m.id, m.org, m.ns, m.content, 'text', m.metadata === null ? null : JSON.stringify(m.metadata), JSON.stringify(m.extra), oldBytes(m.content));
    db.prepare(
      "INSERT INTO organizations (id, name, subscription_id, plan_tier, subscription_status, default_namespace_id, created_at, updated_at) VALUES ('org_1', 'one', 'sub_1', 'developer', 'active', ?, 1, 1)",
    ).run(DEFAULT_NAMESPACE.org_1);
    const feedback = db.prepare("INSERT INTO feedback (id, organization_id, namespace_id, search_id, data, created_at) VALUES (?, ?, ?, 's', ?, 1)");
    for (const f of OLD_FEEDBACK) feedback.run(f.id, f.org, f.ns, JSON.stringify(f.data));
    db.close();

    const store = createSqliteStore({ path, clock: manualClock() });
    try {
      const exact = Object.fromEntries(OLD_MEMORIES.map((m) => [m.id, storedBytes(m)]));
      for (const m of OLD_MEMORIES) expect((await store.memories.get(m.ns, m.id))!.bytes, m.id).toBe(exact[m.id]);
      expect(exact.mem_c).toBeGreaterThan(oldBytes('with context') + 500);
      const [fbA, fbB] = OLD_FEEDBACK.map((f) => feedbackBytes(f.data));
      // Feedback an organization key sent lands in its default namespace, as it would now.
      expect(await store.feedback.get('ns_1', 'fb_b')).toMatchObject({ namespaceId: 'ns_1', bytes: fbB });
      expect(await store.feedback.get('ns_2', 'fb_a')).toMatchObject({ bytes: fbA });
      expect(await store.memories.holdings('organization', 'org_1')).toEqual({ memories: 3, bytes: exact.mem_a! + exact.mem_b! + exact.mem_c! + fbA! + fbB! });
      expect(await store.memories.holdings('namespace', 'ns_1')).toEqual({ memories: 2, bytes: exact.mem_a! + exact.mem_b! + fbB! });
      expect(await store.feedback.deleteAll('ns_1')).toEqual({ memories: 0, bytes: fbB });
      await store.feedback.deleteAll('ns_2');
      expect(await store.memories.holdings('organization', 'org_2')).toEqual({ memories: 1, bytes: exact.mem_d! });
      await store.memories.delete('ns_2', 'mem_c');
      expect(await store.memories.deleteAll('ns_1', {})).toEqual({ memories: 2, bytes: exact.mem_a! + exact.mem_b! });
      expect(await store.memories.holdings('organization', 'org_1')).toEqual({ memories: 0, bytes: 0 });
      expect(await store.memories.holdings('namespace', 'ns_2')).toEqual({ memories: 0, bytes: 0 });
    } finally {
      await store.close();
    }
  });
});

const schema = randomSchema('tollgate_holdings');

await describeWithPostgres('postgres: the holdings migration', () => {
  afterAll(async () => dropSchema(schema));

  it('measures existing memories again (never below their JSON), starts holdings at what is stored, and deletes give back exactly that', async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const s = quoteSchema(schema);
    try {
      await admin.query(`CREATE SCHEMA ${s}`);
      await admin.query(`CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const previous = PG_MIGRATIONS.findIndex((m) => m.name === 'holdings');
      for (const [i, migration] of PG_MIGRATIONS.slice(0, previous).entries()) {
        await admin.query(migration.sql(s));
        await admin.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [i + 1, migration.name]);
      }
      for (const m of OLD_MEMORIES) {
        await admin.query(
          `INSERT INTO ${s}.memories (namespace_id, id, organization_id, content, type, metadata, extra, bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, 'text', $5, $6, $7, 1, 1)`,
          [m.ns, m.id, m.org, m.content, m.metadata === null ? null : JSON.stringify(m.metadata), JSON.stringify(m.extra), oldBytes(m.content)],
        );
      }
      await admin.query(
        `INSERT INTO ${s}.organizations (id, name, subscription_id, plan_tier, subscription_status, default_namespace_id, created_at, updated_at) VALUES ('org_1', 'one', 'sub_1', 'developer', 'active', $1, 1, 1)`,
        [DEFAULT_NAMESPACE.org_1],
      );
      for (const f of OLD_FEEDBACK) {
        await admin.query(`INSERT INTO ${s}.feedback (organization_id, id, namespace_id, search_id, data, created_at) VALUES ($1, $2, $3, 's', $4, 1)`, [f.org, f.id, f.ns, JSON.stringify(f.data)]);
      }
    } finally {
      await admin.end();
    }

    const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: manualClock() });
    try {
      const measured: Record<string, number> = {};
      for (const m of OLD_MEMORIES) {
        const bytes = (await store.memories.get(m.ns, m.id))!.bytes;
        // PostgreSQL prints jsonb with a space after each colon and comma: a little above
        // JSON.stringify, never below it, so no memory counts for less than it keeps.
        expect(bytes, m.id).toBeGreaterThanOrEqual(storedBytes(m));
        expect(bytes, m.id).toBeLessThanOrEqual(storedBytes(m) + 16);
        measured[m.id] = bytes;
      }
      expect(measured.mem_a).toBe(storedBytes(OLD_MEMORIES[0]!));
      const fbB = (await store.feedback.get('ns_1', 'fb_b'))!.bytes;
      expect(fbB).toBeGreaterThanOrEqual(feedbackBytes(OLD_FEEDBACK[1]!.data));
      const fbA = (await store.feedback.get('ns_2', 'fb_a'))!.bytes;
      expect(await store.memories.holdings('organization', 'org_1')).toEqual({ memories: 3, bytes: measured.mem_a! + measured.mem_b! + measured.mem_c! + fbA + fbB });
      expect(await store.feedback.deleteAll('ns_1')).toEqual({ memories: 0, bytes: fbB });
      expect(await store.feedback.deleteAll('ns_2')).toEqual({ memories: 0, bytes: fbA });
      expect(await store.memories.holdings('namespace', 'ns_2')).toEqual({ memories: 1, bytes: measured.mem_c! });
      // An edit moves holdings by the difference from what the migration measured.
      const edited = await store.memories.update('ns_2', 'mem_c', { metadata: null, extra: {}, updatedAt: 2 }, UNLIMITED_HOLDINGS);
      expect(edited).toMatchObject({ outcome: 'updated', after: { bytes: oldBytes('with context') } });
      expect(await store.memories.holdings('namespace', 'ns_2')).toEqual({ memories: 1, bytes: oldBytes('with context') });
      expect(await store.memories.deleteAll('ns_1', {})).toEqual({ memories: 2, bytes: measured.mem_a! + measured.mem_b! });
      await store.memories.delete('ns_2', 'mem_c');
      expect(await store.memories.holdings('organization', 'org_1')).toEqual({ memories: 0, bytes: 0 });
      expect(await store.memories.holdings('organization', 'org_2')).toEqual({ memories: 1, bytes: measured.mem_d! });
    } finally {
      await store.close();
    }
  });
});
