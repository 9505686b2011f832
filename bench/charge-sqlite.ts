/**
 * In-process charge + record on SQLite: calls per second and p50/p99 latency with one caller and
 * with 100 concurrent callers, beside the raw driver's limit on the same file system (one upsert
 * per transaction, the way a naive meter would write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createTenancy } from '../src/tenancy/index.js';
import { createMeter, systemClock } from '../src/metering/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { loadConfig } from '../src/cli/load-config.js';
import { closedLoop, machine, syncLoop, table } from './lib/measure.js';
import { benchWorkload } from './lib/tenants.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);

export async function benchChargeSqlite(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  try {
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec('CREATE TABLE c (k TEXT PRIMARY KEY, used INTEGER NOT NULL) WITHOUT ROWID');
    const upsert = raw.prepare('INSERT INTO c (k, used) VALUES (?, ?) ON CONFLICT DO UPDATE SET used = used + excluded.used');
    const rawOne = raw.transaction((i: number) => upsert.run(`k${i % 16}`, 1));
    const baseline = syncLoop('raw upsert, 1 per transaction', DURATION_MS, rawOne);
    raw.close();

    const results = [];
    for (const events of [true, false]) {
      const config = loadConfig({ env: { TOLLGATE_DATA: join(dir, `tollgate-${events}.db`), TOLLGATE_SECRET_FILE: join(dir, 'secret') } });
      const store = createSqliteStore({ path: config.store.sqlitePath, clock: systemClock, events: { enabled: events, retentionDays: 30 } });
      const meter = createMeter({ store, plans: config.plans, keySecret: config.keySecret });
      const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock: systemClock });
      const call = await benchWorkload(tenancy, meter);
      const suffix = events ? 'with usage events' : 'events off';
      results.push(await closedLoop(`Tollgate charge+record, ${suffix}`, 1, DURATION_MS, call));
      results.push(await closedLoop(`Tollgate charge+record, ${suffix}`, 100, DURATION_MS, call));
      await meter.close();
      await store.close();
    }
    return [
      `Machine: ${machine()}. Each row runs ${DURATION_MS / 1000} s; 4 keys in 4 namespaces, 4 operations; every charge checks and moves the organization, namespace and key counters and the minute window, and writes the Interaction record and the daily rollup (and, where on, a usage event).`,
      '',
      table([baseline, ...results], baseline),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
