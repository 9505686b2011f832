/**
 * Interactions recorded per second into Parse Server's Interaction class: through the parse store
 * (quota decided in a SQLite base store, records shipped as batched transactional Increments),
 * against one REST Increment per call, on a local Parse Server 9.10 on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParseDevServer } from '../parse/start-dev-server.js';
import { loadConfig } from '../src/cli/load-config.js';
import { createMeter, systemClock, type TenantContext } from '../src/metering/index.js';
import { createParseStore, type ParseFetch } from '../src/stores/parse/index.js';
import { createParseClient } from '../src/stores/parse/parse-client.js';
import { setupParseSchema } from '../src/stores/parse/parse-schema.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { createTenancy } from '../src/tenancy/index.js';
import { closedLoop, machine, table, type LoadResult } from './lib/measure.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);
const OPERATIONS = ['add_memory_v1', 'search_v1', 'get_memory_v1', 'update_memory_v1'];

export async function benchRecordParse(): Promise<string> {
  const load = loadavg()[0]!.toFixed(1);
  const server = await startParseDevServer();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-parse-'));
  try {
    const connection = { serverUrl: server.serverUrl, appId: server.appId, masterKey: server.masterKey };
    const client = createParseClient(connection);
    await setupParseSchema(client);

    const baseline = await perCallIncrements(client);
    const rows: LoadResult[] = [baseline];
    const notes: string[] = [];
    for (const keys of [4, 64]) {
      const { result, requests } = await throughParseStore(connection, join(dir, `base-${keys}.db`), keys);
      rows.push(result);
      notes.push(`${keys * OPERATIONS.length} tuples: ${result.calls.toLocaleString('en-US')} calls reached Parse in ${requests} POST /batch requests`);
    }
    return [
      `Machine: ${machine()}; Parse Server 9.10.0 on PostgreSQL 15, same machine (1-minute load average ${load} at the start: other work shares these cores). Each row runs ${DURATION_MS / 1000} s.`,
      '',
      'The per-call row sends one `PUT /classes/Interaction/<id>` with `{"count":{"__op":"Increment"}}` per call, 20 in flight, over 16 existing records.',
      'The parse-store rows charge through the engine (quota decided in a SQLite base store; 100 concurrent callers) and count a call as recorded only once Parse holds it:',
      'calls/s = calls / (run time + the final flush), checked against the sums Parse answers. Latency columns are the charge latency the caller sees.',
      '',
      table(rows, baseline),
      '',
      ...notes.map((n) => `- ${n}`),
    ].join('\n');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function perCallIncrements(client: ReturnType<typeof createParseClient>): Promise<LoadResult> {
  const ids: string[] = [];
  for (let i = 0; i < 16; i++) ids.push((await client.request<{ objectId: string }>('POST', 'classes/Interaction', { month: 1, year: 2000, operation_type: `bench_${i}`, count: 0 })).objectId);
  return closedLoop('one REST Increment per call', 20, DURATION_MS, (i) =>
    client.request('PUT', `classes/Interaction/${ids[i % ids.length]}`, { count: { __op: 'Increment', amount: 1 } }),
  );
}

async function throughParseStore(connection: { serverUrl: string; appId: string; masterKey: string }, path: string, keyCount: number) {
  let requests = 0;
  const counting: ParseFetch = (url, init) => {
    if (url.endsWith('/batch') && init.body?.includes('TollgateSync')) requests++;
    return fetch(url, init);
  };
  const config = loadConfig({ env: { TOLLGATE_DATA: path, TOLLGATE_SECRET_FILE: `${path}.secret` } });
  const base = createSqliteStore({ path, clock: systemClock, events: { enabled: false, retentionDays: 1 } });
  const store = await createParseStore({ ...connection, fetch: counting, base, clock: systemClock, reconcileOnStart: false });
  const meter = createMeter({ store, plans: config.plans, keySecret: config.keySecret });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock: systemClock });
  const org = await tenancy.createOrganization({ name: `bench ${keyCount}`, planTier: 'enterprise', rateLimits: { rate_limit_per_minute: 1e9 } });
  const ns = await tenancy.createNamespace(org.id, { name: 'production' });
  const contexts: TenantContext[] = [];
  for (let k = 0; k < keyCount; k++) {
    const auth = await meter.authenticate((await tenancy.issueNamespaceKey(ns.id, { name: `k${k}` })).key);
    if (!auth.ok) throw auth.error;
    contexts.push(auth.value);
  }
  let cost = 0;
  const started = performance.now();
  const charged = await closedLoop(`parse store, ${keyCount * OPERATIONS.length} tuples, batched`, 100, DURATION_MS, async (i) => {
    const d = await meter.charge(contexts[i % keyCount]!, OPERATIONS[Math.floor(i / keyCount) % OPERATIONS.length]!);
    if (!d.allowed) throw new Error(`refused: ${d.status}`);
    cost += d.cost;
  });
  const records = await store.log.interactions({ organizationId: org.id });
  const seconds = (performance.now() - started) / 1000;
  const shipped = records.reduce((s, r) => s + r.count, 0);
  if (shipped !== cost) throw new Error(`Parse holds ${shipped} interactions, ${cost} were charged`);
  await meter.close();
  await store.close();
  return { result: { ...charged, seconds, perSecond: charged.calls / seconds }, requests };
}
