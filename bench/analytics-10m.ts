/**
 * 10 million recorded calls (generated): 200 organizations, one of them with a million calls, in
 * November 2026; every call has its usage event, and the Interaction records, daily rollups and
 * refusals agree with the events. Then: the month breakdown of the biggest organization (the usage
 * report GET /v1/usage answers, by operation, namespace, key and day) on SQLite and on PostgreSQL,
 * beside the same breakdown computed from the raw events (what a system without rollups does); and
 * the dashboard's first paint on the SQLite data.
 *
 * The rows are written straight into the stores' tables (generating 10 million charges through the
 * engine would measure the engine, not the reports); the schema is the stores' own.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { createUsageReports } from '../src/analytics/index.js';
import { loadConfig } from '../src/cli/load-config.js';
import { openRuntime } from '../src/cli/runtime.js';
import { buildServerApp } from '../src/cli/server-app.js';
import type { Organization } from '../src/core/tenants.js';
import { systemClock } from '../src/metering/index.js';
import type { Store } from '../src/stores/contract/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { eventTuple } from '../src/stores/sqlite/sqlite-ledger.js';
import { createTenancy } from '../src/tenancy/index.js';
import { buildWeb, isWebBuildStale } from '../web/build.js';
import { CHROMIUM, CHROMIUM_ARGS, measureDashboard, paintTable } from './lib/dashboard-paint-measure.js';
import { machine } from './lib/measure.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000_000);
const BIG_ORG_CALLS = Math.round(CALLS / 10);
const ORGS = 200;
const NAMESPACES = 3;
const KEYS_PER_NAMESPACE = 4;
const OPERATIONS: [string, number][] = [
  ['add_memory_v1', 4],
  ['search_v1', 1],
  ['search_v1', 2],
  ['get_memory_v1', 1],
  ['update_memory_v1', 1],
  ['delete_memory_v1', 1],
  ['get_sync_tiers', 3],
  ['submit_feedback_v1', 0],
];
const DAYS = 30;
const MONTH_START = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 30);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const KEY_SECRET = 'bench-secret-0123456789-abcdefghijklmnop';

interface Tenant {
  readonly org: Organization;
  readonly keys: { id: string; namespaceId: string; userId: string | null }[];
  readonly orgKey: string;
}

/** The i-th generated call: deterministic, so both stores get the same data. */
function call(i: number, tenants: readonly Tenant[]) {
  const t = i < BIG_ORG_CALLS ? tenants[0]! : tenants[1 + (i % (ORGS - 1))]!;
  const key = t.keys[(i * 7) % t.keys.length]!;
  const [operation, cost] = OPERATIONS[(i * 13) % OPERATIONS.length]!;
  const day = (i * 31) % DAYS;
  const atMs = MONTH_START + day * DAY_MS + ((i * 7919) % DAY_MS);
  const refused = i % 97 === 0;
  return { t, key, operation, cost, day, atMs, refused };
}

const dayText = (day: number) => new Date(MONTH_START + day * DAY_MS).toISOString().slice(0, 10);

async function makeTenants(store: Store): Promise<Tenant[]> {
  const tenancy = createTenancy({ directory: store.directory, plans: loadConfig({ env: { TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_DATA: ':memory:' } }).plans, keySecret: KEY_SECRET, clock: systemClock });
  const tenants: Tenant[] = [];
  for (let o = 0; o < ORGS; o++) {
    const org = await tenancy.createOrganization({ name: `org ${o}`, planTier: 'enterprise' });
    const keys = [];
    for (let n = 0; n < NAMESPACES; n++) {
      const ns = await tenancy.createNamespace(org.id, { name: `ns ${n}` });
      for (let k = 0; k < KEYS_PER_NAMESPACE; k++) {
        const issued = await tenancy.issueNamespaceKey(ns.id, { name: `key ${n}.${k}` });
        keys.push({ id: issued.apiKey.id, namespaceId: ns.id, userId: issued.apiKey.userId });
      }
    }
    const orgKey = o === 0 ? (await tenancy.issueOrganizationKey(org.id, { name: 'dashboard' })).key : '';
    tenants.push({ org: (await tenancy.getOrganization(org.id))!, keys, orgKey });
  }
  return tenants;
}

/** Rows to write: events one by one (in pages), the aggregates once. */
function* eventPages(tenants: readonly Tenant[], pageSize: number) {
  let page: ReturnType<typeof call>[] = [];
  for (let i = 0; i < CALLS; i++) {
    page.push(call(i, tenants));
    if (page.length === pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

function aggregates(tenants: readonly Tenant[]) {
  const rollups = new Map<string, { org: string; day: string; ns: string; key: string; op: string; count: number; calls: number; refused: number }>();
  const interactions = new Map<string, { org: string; ns: string; key: string; op: string; ws: string; user: string; sub: string; count: number; calls: number }>();
  const refusals = new Map<string, { org: string; day: string; ns: string; key: string; op: string; count: number }>();
  for (let i = 0; i < CALLS; i++) {
    const c = call(i, tenants);
    const day = dayText(c.day);
    const base = `${c.t.org.id}|${c.key.namespaceId}|${c.key.id}|${c.operation}`;
    const r = rollups.get(`${day}|${base}`) ?? { org: c.t.org.id, day, ns: c.key.namespaceId, key: c.key.id, op: c.operation, count: 0, calls: 0, refused: 0 };
    rollups.set(`${day}|${base}`, r);
    if (c.refused) {
      r.refused++;
      const f = refusals.get(`${day}|${base}`) ?? { org: c.t.org.id, day, ns: c.key.namespaceId, key: c.key.id, op: c.operation, count: 0 };
      f.count++;
      refusals.set(`${day}|${base}`, f);
      continue;
    }
    r.count += c.cost;
    r.calls++;
    const x = interactions.get(base) ?? { org: c.t.org.id, ns: c.key.namespaceId, key: c.key.id, op: c.operation, ws: c.t.org.workspaceId ?? '', user: c.key.userId ?? '', sub: c.t.org.subscription.id, count: 0, calls: 0 };
    x.count += c.cost;
    x.calls++;
    interactions.set(base, x);
  }
  return { rollups: [...rollups.values()], interactions: [...interactions.values()], refusals: [...refusals.values()] };
}

async function fillSqlite(store: Store & { database: import('better-sqlite3').Database }, tenants: readonly Tenant[]): Promise<number> {
  const db = store.database;
  const started = performance.now();
  // Events as the store writes them: segments of a group commit's events (here 1,000 a segment).
  const addSegment = db.prepare('INSERT INTO usage_event_segments (first_at, last_at, events) VALUES (?, ?, ?)');
  const addSegmentOrg = db.prepare('INSERT INTO usage_event_segment_orgs (organization_id, seq, first_at, last_at) VALUES (?, ?, ?, ?)');
  let n = 0;
  for (const page of eventPages(tenants, 50_000)) {
    db.transaction(() => {
      for (let at = 0; at < page.length; at += 1000) {
        const events = page.slice(at, at + 1000).map((c) => ({
          chargeId: `e${n++}`,
          atMs: c.atMs,
          organizationId: c.t.org.id,
          namespaceId: c.key.namespaceId,
          apiKeyId: c.key.id,
          operation: c.operation,
          type: 'mini' as const,
          cost: c.cost,
          outcome: c.refused ? ('refused' as const) : ('granted' as const),
          reason: c.refused ? 'quota:organization' : null,
          idempotencyKey: null,
        }));
        const times = events.map((e) => e.atMs);
        const seq = addSegment.run(Math.min(...times), Math.max(...times), JSON.stringify(events.map(eventTuple))).lastInsertRowid;
        const spans = new Map<string, [number, number]>();
        for (const e of events) {
          const span = spans.get(e.organizationId);
          spans.set(e.organizationId, span ? [Math.min(span[0], e.atMs), Math.max(span[1], e.atMs)] : [e.atMs, e.atMs]);
        }
        for (const [org, [first, last]] of spans) addSegmentOrg.run(org, seq, first, last);
      }
    })();
  }
  const { rollups, interactions, refusals } = aggregates(tenants);
  db.transaction(() => {
    const r = db.prepare('INSERT INTO daily_rollups (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)');
    for (const x of rollups) r.run(x.org, x.day, x.ns, x.key, x.op, 'mini', x.count, x.calls, x.refused);
    const f = db.prepare('INSERT INTO daily_refusals (organization_id, day, namespace_id, api_key_id, operation_type, reason, count) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const x of refusals) f.run(x.org, x.day, x.ns, x.key, x.op, 'quota:organization', x.count);
    const i = db.prepare(
      'INSERT INTO interactions (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id, subscription_id, company_id, count, calls, created_at, updated_at) VALUES (?, 2026, 11, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const x of interactions) i.run(x.org, x.ns, x.key, x.op, 'mini', x.ws, x.user, x.sub, '', x.count, x.calls, MONTH_START, MONTH_START + DAYS * DAY_MS - 1);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  return (performance.now() - started) / 1000;
}

async function fillPostgres(schema: string, tenants: readonly Tenant[]): Promise<number> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  const started = performance.now();
  const s = `"${schema}"`;
  let n = 0;
  const pending: Promise<unknown>[] = [];
  for (const page of eventPages(tenants, 20_000)) {
    const cols: unknown[][] = Array.from({ length: 10 }, () => []);
    for (const c of page) {
      const row = [`e${n++}`, c.atMs, c.t.org.id, c.key.namespaceId, c.key.id, c.operation, c.cost, c.refused ? 'refused' : 'granted', c.refused ? 'quota:organization' : null, 'mini'];
      row.forEach((v, k) => cols[k]!.push(v));
    }
    pending.push(
      pool.query(
        `INSERT INTO ${s}.usage_events (charge_id, at, organization_id, namespace_id, api_key_id, operation_type, cost, outcome, reason, type)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])`,
        cols,
      ),
    );
    if (pending.length >= 4) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const { rollups, interactions, refusals } = aggregates(tenants);
  const columns = <T>(rows: T[], picks: ((r: T) => unknown)[]) => picks.map((p) => rows.map(p));
  await pool.query(
    `INSERT INTO ${s}.daily_rollups (organization_id, day, namespace_id, api_key_id, operation_type, type, count, calls, refused, refunded)
     SELECT o, d, n, k, op, 'mini', c, ca, r, 0 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) AS t(o, d, n, k, op, c, ca, r)`,
    columns(rollups, [(x) => x.org, (x) => x.day, (x) => x.ns, (x) => x.key, (x) => x.op, (x) => x.count, (x) => x.calls, (x) => x.refused]),
  );
  await pool.query(
    `INSERT INTO ${s}.daily_refusals (organization_id, day, namespace_id, api_key_id, operation_type, reason, count)
     SELECT o, d, n, k, op, 'quota:organization', c FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS t(o, d, n, k, op, c)`,
    columns(refusals, [(x) => x.org, (x) => x.day, (x) => x.ns, (x) => x.key, (x) => x.op, (x) => x.count]),
  );
  await pool.query(
    `INSERT INTO ${s}.interactions (organization_id, year, month, namespace_id, api_key_id, operation_type, type, workspace_id, user_id, subscription_id, company_id, count, calls, created_at, updated_at)
     SELECT o, 2026, 11, n, k, op, 'mini', w, u, sub, '', c, ca, ${MONTH_START}, ${MONTH_START + DAYS * DAY_MS - 1}
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[]) AS t(o, n, k, op, w, u, sub, c, ca)`,
    columns(interactions, [(x) => x.org, (x) => x.ns, (x) => x.key, (x) => x.op, (x) => x.ws, (x) => x.user, (x) => x.sub, (x) => x.count, (x) => x.calls]),
  );
  await pool.query(`ANALYZE ${s}.usage_events; ANALYZE ${s}.daily_rollups; ANALYZE ${s}.interactions; ANALYZE ${s}.daily_refusals`);
  await pool.end();
  return (performance.now() - started) / 1000;
}

function stats(samples: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)! };
}

async function time(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await work(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

const fmt = (s: { p50: number; p95: number; max: number }) => `${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)}`;

export async function benchAnalytics10m(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-10m-'));
  const schema = `tollgate_bench_${Date.now().toString(36)}`;
  const lines: string[] = [];
  let browser: Browser | null = null;
  const clock = { now: () => Date.UTC(2026, 10, 28, 12) };
  try {
    // SQLite
    const sqlitePath = join(dir, 'tollgate.db');
    const sqlite = createSqliteStore({ path: sqlitePath, clock: systemClock });
    const tenants = await makeTenants(sqlite);
    const sqliteFill = await fillSqlite(sqlite, tenants);
    const big = tenants[0]!.org;
    const reportsSqlite = createUsageReports({ log: sqlite.log, directory: sqlite.directory, plans: loadConfig({ env: { TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_DATA: ':memory:' } }).plans, clock });
    const sqliteReport = await time(RUNS, () => reportsSqlite.report({ organization: big }));
    const check = await reportsSqlite.report({ organization: big });
    // The peer on SQLite: the same breakdown from the raw events, read back through the store.
    const fromEvents = async () => {
      const events = await sqlite.log.events({ organizationId: big.id, fromMs: MONTH_START, toMs: MONTH_START + DAYS * DAY_MS, limit: CALLS });
      const byTuple = new Map<string, number>();
      let total = 0;
      for (const e of events) {
        if (e.outcome !== 'granted') continue;
        total += e.cost;
        const k = `${e.operation}|${e.namespaceId}|${e.apiKeyId}`;
        byTuple.set(k, (byTuple.get(k) ?? 0) + e.cost);
      }
      return total;
    };
    const sqliteRaw = await time(Math.min(RUNS, 3), fromEvents);
    const rawTotal = await fromEvents();
    if (rawTotal !== check.interactions.mini.used) throw new Error(`the generated records disagree: events ${rawTotal}, rollups ${check.interactions.mini.used}`);
    const rawSql =
      "SELECT operation_type, namespace_id, api_key_id, sum(CASE WHEN outcome = 'granted' THEN cost ELSE 0 END) AS interactions, count(*) AS calls FROM usage_events WHERE organization_id = $1 AND at >= $2 AND at < $3 GROUP BY operation_type, namespace_id, api_key_id";
    const sqliteBytes = statSync(sqlitePath).size;
    await sqlite.close();

    // PostgreSQL
    const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: systemClock });
    const pgTenants = await makeTenants(postgres);
    const pgFill = await fillPostgres(schema, pgTenants);
    const reportsPg = createUsageReports({ log: postgres.log, directory: postgres.directory, plans: loadConfig({ env: { TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_DATA: ':memory:' } }).plans, clock });
    const pgBig = pgTenants[0]!.org;
    const pgReport = await time(RUNS, () => reportsPg.report({ organization: pgBig }));
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const pgRawSql = rawSql.replace('FROM usage_events', `FROM "${schema}".usage_events`);
    const pgRaw = await time(Math.min(RUNS, 5), () => pool.query(pgRawSql, [pgBig.id, MONTH_START, MONTH_START + DAYS * DAY_MS]));
    await pool.end();
    await postgres.close();

    // The dashboard on the SQLite data.
    if (isWebBuildStale()) await buildWeb();
    const config = loadConfig({ env: { TOLLGATE_DATA: sqlitePath, TOLLGATE_KEY_SECRET: KEY_SECRET } });
    const runtime = await openRuntime(config, { clock });
    const { app } = await buildServerApp(runtime);
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const paints = await measureDashboard(browser, `${baseUrl}/dashboard/`, tenants[0]!.orgKey, Number(process.env.BENCH_PAINT_RUNS ?? 10));
    await app.close();
    await runtime.close();

    lines.push(
      `Machine: ${machine()}; Chromium ${browser.version()}. ${CALLS.toLocaleString('en-US')} generated calls in November 2026 across ${ORGS} organizations (${NAMESPACES} namespaces × ${KEYS_PER_NAMESPACE} keys each, 8 operations); the biggest organization has ${BIG_ORG_CALLS.toLocaleString('en-US')} calls; 1 in 97 refused. Every call has its usage event; the rollups, Interaction records and refusals agree with the events (checked). SQLite file ${(sqliteBytes / 2 ** 30).toFixed(2)} GiB written in ${sqliteFill.toFixed(0)} s; PostgreSQL filled in ${pgFill.toFixed(0)} s.`,
      '',
      `The biggest organization's month breakdown (the whole GET /v1/usage report: totals, limits, by operation, namespace, key, day, refusals), ${RUNS} runs, milliseconds:`,
      '',
      '| store | from the daily rollups: p50 | p95 | max | from the raw events (peer): p50 | p95 | max | rollups vs raw |',
      '|---|---|---|---|---|---|---|---|',
      `| SQLite | ${fmt(sqliteReport)} | ${fmt(sqliteRaw)} | ${(sqliteRaw.p50 / sqliteReport.p50).toFixed(0)}× faster |`,
      `| PostgreSQL | ${fmt(pgReport)} | ${fmt(pgRaw)} | ${(pgRaw.p50 / pgReport.p50).toFixed(0)}× faster |`,
      '',
      `Goal: under 50 ms on both. The peer is the same breakdown computed from the ${BIG_ORG_CALLS.toLocaleString('en-US')} raw usage events of that organization: on SQLite read back through the store (its event segments) and summed, on PostgreSQL one GROUP BY over its usage_events (by its organization and time index).`,
      '',
      'The dashboard over this SQLite file, signed in with the biggest organization\'s key (milliseconds from navigation start, median / max):',
      '',
      paintTable(paints),
    );
    return lines.join('\n');
  } finally {
    await browser?.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
