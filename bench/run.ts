/** npm run bench [-- name…]: runs the benchmarks and rewrites their sections of bench/README.md. */
import { benchChargePostgres } from './charge-postgres.js';
import { benchAnalytics10m } from './analytics-10m.js';
import { benchChargeRedis } from './charge-redis.js';
import { benchChargeSqlite } from './charge-sqlite.js';
import { benchDashboardPaint } from './dashboard-paint.js';
import { benchHttpMetered } from './http-metered.js';
import { benchOutbox } from './outbox.js';
import { writeSection } from './lib/readme.js';
import { benchRecordParse } from './record-parse.js';

const BENCHES: Record<string, () => Promise<string>> = {
  'analytics-10m': benchAnalytics10m,
  'charge-sqlite': benchChargeSqlite,
  'http-metered': benchHttpMetered,
  'record-parse': benchRecordParse,
  'dashboard-paint': benchDashboardPaint,
  'charge-postgres': benchChargePostgres,
  'charge-redis': benchChargeRedis,
  outbox: benchOutbox,
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
for (const name of wanted) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown benchmark ${name} (known: ${Object.keys(BENCHES).join(', ')})`);
  console.log(`# ${name}`);
  const section = await bench();
  console.log(section + '\n');
  writeSection(name, section);
}
