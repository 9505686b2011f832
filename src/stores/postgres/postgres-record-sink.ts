/**
 * The RecordSink of src/stores/contract/ over this store's tables: what a ledger deciding in
 * Redis decided reaches the counters, Interaction records, rollups, refusals, events, idempotency
 * keys and refunds the PostgreSQL ledger itself writes, so every reader (usage API, dashboard,
 * export) works unchanged.
 *
 * Exactly once: each organization has an advisory lock; a drain or replay holds the locks of the
 * organizations it writes until it commits. A drain reads the entries of its source after taking
 * the lock and applies those past the source's mark, moving the mark in the same transaction, so a
 * second drain (another process, or this one after a crash between commit and trimming the source)
 * finds them at or before the mark. A replay skips what is at or before the mark and what it
 * replayed before (record_replays). Records of one organization are applied in source order.
 * What the records' charges and refunds write to the outbox is written in the same transaction.
 */
import { TollgateError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import type { CounterRef, GrantedCharge, LedgerSnapshot, RecordEntry, RecordSink } from '../contract/index.js';
import { foldRecords, type RecordWrites } from '../shared/ledger-records.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import { guarded, translatePostgresError } from './postgres-errors.js';
import { toKey } from './postgres-mapper.js';
import { outboxEventsJson } from './postgres-outbox.js';
import { APPLY_WRITES } from './postgres-record-sink-sql.js';
import { withTransaction } from './postgres-transaction.js';

type Position = readonly [number, number];

function parsePosition(position: string): Position {
  const dash = position.indexOf('-');
  return [Number(position.slice(0, dash)), Number(position.slice(dash + 1))];
}

function isAfter(position: string, mark: string | undefined): boolean {
  if (mark === undefined) return true;
  const [a, b] = parsePosition(position);
  const [c, d] = parsePosition(mark);
  return a > c || (a === c && b > d);
}

export function createPostgresRecordSink(pool: PostgresPool, schema: string, options: { clock: Clock; recordEvents: boolean; lockTimeoutMs: number }): RecordSink {
  const applySql = APPLY_WRITES(schema);
  const outboxSql = `SELECT ${schema}.outbox_write($1::jsonb)`;
  const lockName = (org: string) => `tollgate:${schema}:records:${org}`;

  /** Takes every lock, in one order (no two transactions wait on each other in a cycle), waiting at most lockTimeoutMs. */
  const lockAll = async (client: PostgresPoolClient, orgs: readonly string[]) => {
    await client.query(`SET LOCAL lock_timeout = ${Math.floor(options.lockTimeoutMs)}`);
    for (const org of orgs) await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName(org)]);
  };
  const lockFree = async (client: PostgresPoolClient, orgs: readonly string[]) => {
    const { rows } = await client.query(
      'SELECT o FROM unnest($1::text[]) WITH ORDINALITY AS u(o, n) WHERE pg_try_advisory_xact_lock(hashtextextended($2 || o, 0)) ORDER BY n',
      [orgs, lockName('')],
    );
    return rows.map((row) => String(row.o));
  };
  const readMarks = async (client: PostgresPoolClient, orgs: readonly string[]) => {
    const marks = new Map<string, Map<string, string>>(orgs.map((org) => [org, new Map()]));
    const { rows } = await client.query(`SELECT organization_id, source, position_ms, position_seq FROM ${schema}.record_marks WHERE organization_id = ANY($1)`, [orgs]);
    for (const row of rows) marks.get(String(row.organization_id))!.set(String(row.source), `${row.position_ms}-${row.position_seq}`);
    return marks;
  };
  const apply = async (client: PostgresPoolClient, entries: readonly RecordEntry[]) => {
    const records = entries.flatMap((entry) => entry.records.map((record) => ({ organizationId: entry.organizationId, record })));
    if (records.length === 0) return;
    const writes = foldRecords(records, options.recordEvents);
    await client.query(applySql, [writeRows(writes)]);
    // In the drain's (or replay's) transaction: written exactly when the records are.
    if (writes.outbox.length > 0) await client.query(outboxSql, [outboxEventsJson(writes.outbox)]);
  };

  return {
    async drain(organizationIds, read, { wait }) {
      const orgs = [...new Set(organizationIds)].sort();
      if (orgs.length === 0) return new Map();
      return inTransaction(pool, async (client) => {
        const locked = wait ? (await lockAll(client, orgs), orgs) : await lockFree(client, orgs);
        if (locked.length === 0) return new Map();
        const marks = await readMarks(client, locked);
        const fresh = (await read(locked)).filter((e) => marks.has(e.organizationId) && isAfter(e.position, marks.get(e.organizationId)!.get(e.source)));
        if (fresh.length === 0) return marks;
        await apply(client, fresh);
        for (const e of fresh) {
          const mine = marks.get(e.organizationId)!;
          if (isAfter(e.position, mine.get(e.source))) mine.set(e.source, e.position);
        }
        const moved = [...marks].flatMap(([org, bySource]) => [...bySource].map(([source, position]) => [org, source, ...parsePosition(position)] as const));
        await client.query(
          `INSERT INTO ${schema}.record_marks AS t (organization_id, source, position_ms, position_seq)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
           ON CONFLICT (organization_id, source) DO UPDATE SET position_ms = excluded.position_ms, position_seq = excluded.position_seq
           WHERE (t.position_ms, t.position_seq) < (excluded.position_ms, excluded.position_seq)`,
          [moved.map((m) => m[0]), moved.map((m) => m[1]), moved.map((m) => m[2]), moved.map((m) => m[3])],
        );
        return marks;
      });
    },

    async replay(entries) {
      if (entries.length === 0) return;
      const orgs = [...new Set(entries.map((e) => e.organizationId))].sort();
      await inTransaction(pool, async (client) => {
        await lockAll(client, orgs);
        const marks = await readMarks(client, orgs);
        const candidates = entries.filter((e) => isAfter(e.position, marks.get(e.organizationId)!.get(e.source)));
        if (candidates.length === 0) return;
        const positions = candidates.map((e) => parsePosition(e.position));
        const { rows } = await client.query(
          `INSERT INTO ${schema}.record_replays (organization_id, source, position_ms, position_seq, applied_at)
           SELECT o, s, m, q, $5::bigint FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(o, s, m, q)
           ON CONFLICT DO NOTHING
           RETURNING organization_id, source, position_ms, position_seq`,
          [candidates.map((e) => e.organizationId), candidates.map((e) => e.source), positions.map((p) => p[0]), positions.map((p) => p[1]), options.clock.now()],
        );
        const inserted = new Set(rows.map((row) => `${row.organization_id}\u0000${row.source}\u0000${row.position_ms}-${row.position_seq}`));
        await apply(client, candidates.filter((e) => inserted.has(`${e.organizationId}\u0000${e.source}\u0000${e.position}`)));
      });
    },

    async knows(organizationId) {
      const { rows } = await guarded(() =>
        pool.query(
          `SELECT EXISTS (SELECT 1 FROM ${schema}.record_marks WHERE organization_id = $1) OR EXISTS (SELECT 1 FROM ${schema}.record_replays WHERE organization_id = $1) AS known`,
          [organizationId],
        ),
      );
      return rows[0]!.known === true;
    },

    async counters(organizationId, periods) {
      const { rows } = await guarded(() =>
        pool.query(`SELECT scope, scope_id, metric, period, used FROM ${schema}.counters WHERE organization_id = $1 AND period = ANY($2)`, [organizationId, periods]),
      );
      return rows.map((row) => ({
        counter: { scope: row.scope, scopeId: String(row.scope_id), metric: row.metric, period: String(row.period), organizationId } as CounterRef,
        used: Number(row.used),
      }));
    },

    async snapshot(organizationId, { nowMs, sinceMs }): Promise<LedgerSnapshot> {
      const query = (sql: string, values: unknown[]) => guarded(() => pool.query(sql, values)).then((r) => r.rows);
      const [keys, windows, refunds] = await Promise.all([
        query(`SELECT api_key_id, key, fingerprint, expires_at, result FROM ${schema}.idempotency_keys WHERE organization_id = $1 AND expires_at > $2 AND fingerprint <> ''`, [
          organizationId,
          nowMs,
        ]),
        query(`SELECT key, window_start, count FROM ${schema}.rate_windows WHERE organization_id = $1 AND window_start >= $2`, [organizationId, sinceMs]),
        query(`SELECT charge_id, at FROM ${schema}.refunds WHERE organization_id = $1 AND at >= $2`, [organizationId, sinceMs]),
      ]);
      return {
        idempotency: keys.map((row) => ({
          apiKeyId: String(row.api_key_id),
          key: String(row.key),
          fingerprint: String(row.fingerprint),
          expiresAtMs: Number(row.expires_at),
          result: row.result as GrantedCharge,
        })),
        rateWindows: windows.map((row) => ({ key: String(row.key), windowStartMs: Number(row.window_start), count: Number(row.count) })),
        refunds: refunds.map((row) => ({ chargeId: String(row.charge_id), atMs: Number(row.at) })),
      };
    },
  };
}

/** A transaction whose lock timeout (55P03) means "another process holds the organization too long": unavailable, retry later. */
async function inTransaction<T>(pool: PostgresPool, work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
  try {
    return await withTransaction(pool, work);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === '55P03') {
      throw new TollgateError('STORE_UNAVAILABLE', { message: 'Another process held the records of an organization too long.', details: { store: 'postgres' }, cause: error });
    }
    throw translatePostgresError(error);
  }
}

/** The parameter of APPLY_WRITES: per table, its rows as arrays in the statement's column order. */
function writeRows(w: RecordWrites): string {
  const rows = {
    c: [...w.counters.values()].map(({ organizationId, ref, delta }) => [organizationId, ref.scope, ref.scopeId, ref.metric, ref.period, delta]),
    w: [...w.rates.values()].map((r) => [r.organizationId, r.key, r.windowStartMs, r.delta]),
    x: [...w.interactions.values()].map(({ attribution: a, ...x }) => [
      a.organizationId, x.year, x.month, toKey(a.namespaceId), a.apiKeyId, a.operation, a.type, toKey(a.workspaceId), toKey(a.userId),
      toKey(a.subscriptionId), toKey(a.companyId), x.count, x.calls, x.atMs,
    ]),
    y: [...w.rollups.values()].map(({ attribution: a, ...y }) => [a.organizationId, y.day, toKey(a.namespaceId), a.apiKeyId, a.operation, a.type, y.count, y.calls, y.refused, y.refunded]),
    f: [...w.refusals.values()].map(({ attribution: a, ...f }) => [a.organizationId, f.day, toKey(a.namespaceId), a.apiKeyId, a.operation, f.reason, f.count]),
    e: w.events.map((e) => [e.organizationId, e.atMs, e.chargeId, toKey(e.namespaceId), e.apiKeyId, e.operation, e.type, e.cost, e.outcome, e.reason, e.idempotencyKey]),
    i: [...w.idempotency.values()].map(({ organizationId, apiKeyId, key, value }) => [organizationId, apiKeyId, key, value?.fingerprint ?? '', value?.expiresAtMs ?? 0, value?.result ?? null]),
    u: w.refunds.map((r) => [r.organizationId, r.chargeId, r.atMs]),
  };
  return JSON.stringify(rows);
}
