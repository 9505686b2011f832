/**
 * Charge + record on PostgreSQL, beside rate-limiter-flexible's RateLimiterPostgres.consume() and a
 * raw upsert loop on the same server, each with a pool of 8 connections, at 1, 8 and 100
 * concurrent callers.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { loadConfig } from '../src/cli/load-config.js';
import { createMeter, systemClock } from '../src/metering/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createTenancy } from '../src/tenancy/index.js';
import { interleaved, machine, ratioTable, type LoadResult } from './lib/measure.js';
import { benchWorkload } from './lib/tenants.js';
import { windowStartOf } from '../src/core/charge-rules.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const POOL = 8;
const CONCURRENCY = [1, 8, 100];
const KEYS = 4;
const ROUNDS = 3;

export async function benchChargePostgres(): Promise<string> {
  const schema = `tollgate_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const raw = new pg.Pool({ connectionString: DATABASE_URL, max: POOL });
  const rlfPool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL });
  const config = loadConfig({ env: { TOLLGATE_STORE: 'postgres', DATABASE_URL, TOLLGATE_KEY_SECRET: randomBytes(32).toString('hex') } });
  const tollgate = await Promise.all([true, false].map((events) => openTollgate(`${schema}_${events ? 'events' : 'noevents'}`, events, config)));
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.raw (k text PRIMARY KEY, n bigint NOT NULL)`);
    const upsert = `INSERT INTO ${schema}.raw AS r (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = r.n + 1`;
    const limiter = await new Promise<RateLimiterPostgres>((resolve, reject) => {
      const made: RateLimiterPostgres = new RateLimiterPostgres(
        { storeClient: rlfPool, storeType: 'pool', schemaName: schema, tableName: 'rlflx', points: 1e12, duration: 3600 },
        (error?: Error) => (error ? reject(error) : resolve(made)),
      );
    });

    const floor = await createFloor(admin, schema);

    const subjects = [
      { label: 'raw upsert (server limit)', call: (i: number) => raw.query(upsert, [`k${i % KEYS}`]) },
      { label: 'rate-limiter-flexible RateLimiterPostgres consume()', call: (i: number) => limiter.consume(`k${i % KEYS}`) },
      { label: FLOOR_LABEL, call: (i: number) => raw.query(floor, [`n${i % KEYS}`, `k${i % KEYS}`, windowStartOf(Date.now(), 60_000), `c${i}`]) },
      ...tollgate,
    ];
    const loadBefore = os.loadavg()[0]!;
    const results: LoadResult[] = [];
    for (const concurrency of CONCURRENCY) results.push(...(await interleaved(subjects, concurrency, DURATION_MS, ROUNDS)));
    const loadAfter = os.loadavg()[0]!;
    const same = (label: string) => (r: LoadResult) => results.find((b) => b.label.startsWith(label) && b.concurrency === r.concurrency);
    return [
      `Machine: ${machine()}; PostgreSQL ${(await admin.query('SHOW server_version')).rows[0]!.server_version} on the same machine (synchronous_commit = ${
        (await admin.query('SHOW synchronous_commit')).rows[0]!.synchronous_commit
      }), 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after. Each row runs ${DURATION_MS / 1000} s in ${ROUNDS} rounds taken in turn with the other subjects at the same concurrency (the table gives calls over the total time, and the median p50 and p99 of the rounds), with a pool of ${POOL} connections. Tollgate: 1 organization, ${KEYS} keys in ${KEYS} namespaces, 4 operations; every charge checks and moves the organization, namespace and key counters and the minute window, and writes the Interaction record and the daily rollup (and, where on, a usage event), in one transaction per group of charges. rate-limiter-flexible and the raw upsert move one row per call, over the same ${KEYS} keys.`,
      '',
      ratioTable(results, [
        { label: 'vs RLF consume() at the same concurrency', baselineOf: same('rate-limiter-flexible') },
        { label: 'vs raw upsert at the same concurrency', baselineOf: same('raw upsert') },
      ]),
      '',
      `The floor (${FLOOR_LABEL}) against consume() at 1 caller: ${(same('floor')(results[0]!)!.perSecond / same('rate-limiter-flexible')(results[0]!)!.perSecond).toFixed(2)}×.`,
    ].join('\n');
  } finally {
    for (const t of tollgate) await t.close();
    await raw.end();
    await rlfPool.end();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    for (const t of tollgate) await admin.query(`DROP SCHEMA IF EXISTS ${t.schema} CASCADE`);
    await admin.end();
  }
}

async function openTollgate(schema: string, events: boolean, config: ReturnType<typeof loadConfig>) {
  const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, poolSize: POOL, clock: systemClock, events: { enabled: events, retentionDays: 30 } });
  const meter = createMeter({ store, plans: config.plans, keySecret: config.keySecret });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock: systemClock });
  const call = await benchWorkload(tenancy, meter, KEYS);
  return {
    schema,
    label: `Tollgate charge+record on PostgreSQL, ${events ? 'with usage events' : 'events off'}`,
    call,
    close: async () => {
      await meter.close();
      await store.close();
    },
  };
}

const FLOOR_LABEL = 'floor: the least a checked charge with its record writes (3 counters, the minute window, 1 attribution row; one PL/pgSQL call, no engine)';

/**
 * What no PostgreSQL store can go below for one charge that checks the organization, namespace and
 * key limits and the minute window and keeps its record durably before answering: one call of a
 * function that moves three counters and a window row, each only if under its limit, and appends
 * one attribution row, committed synchronously. No grouping, no engine, no Interaction or rollup
 * upsert. Returns the statement to run with (namespace, key, window start, charge id).
 */
async function createFloor(admin: pg.Pool, schema: string): Promise<string> {
  await admin.query(`
    CREATE TABLE ${schema}.floor_counters (scope text, id text, used bigint NOT NULL, PRIMARY KEY (scope, id));
    CREATE TABLE ${schema}.floor_windows (key text, window_start bigint, count bigint NOT NULL, PRIMARY KEY (key, window_start));
    CREATE TABLE ${schema}.floor_records (seq bigserial PRIMARY KEY, charge_id text NOT NULL, namespace_id text NOT NULL, api_key_id text NOT NULL, operation text NOT NULL, cost int NOT NULL);
    INSERT INTO ${schema}.floor_counters SELECT 'o', 'org', 0 UNION ALL SELECT s, s || n, 0 FROM unnest(ARRAY['n', 'k']) AS s, generate_series(0, ${KEYS - 1}) AS n;
    CREATE FUNCTION ${schema}.floor_charge(ns text, api text, w bigint, charge text) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE moved int;
    BEGIN
      INSERT INTO ${schema}.floor_windows AS t VALUES (api, w, 1) ON CONFLICT (key, window_start) DO UPDATE SET count = t.count + 1 WHERE t.count < 1000000000;
      IF NOT FOUND THEN RAISE EXCEPTION 'rate'; END IF;
      UPDATE ${schema}.floor_counters SET used = used + 4 WHERE (scope, id) IN (('o', 'org'), ('n', ns), ('k', api)) AND used + 4 <= 1000000000000;
      -- All three or none: an exception rolls back what moved.
      GET DIAGNOSTICS moved = ROW_COUNT;
      IF moved <> 3 THEN RAISE EXCEPTION 'quota'; END IF;
      INSERT INTO ${schema}.floor_records (charge_id, namespace_id, api_key_id, operation, cost) VALUES (charge, ns, api, 'add_memory_v1', 4);
    END $$;`);
  return `SELECT ${schema}.floor_charge($1, $2, $3, $4)`;
}
