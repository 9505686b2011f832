/**
 * The outbox (issue 12). Two questions:
 * 1. What does writing the outbox with the charge cost? The same charge workload with the outbox off
 *    (requests carry no outbox spec) and on: every charge has thresholds to check and a metered
 *    customer, so each one writes a meter event in its transaction (the heaviest case; a threshold
 *    crossing is rare by comparison). SQLite and PostgreSQL, 1 and 100 callers, interleaved rounds.
 * 2. How fast does the dispatcher deliver? Signed webhooks to a local receiver, against the floor of
 *    the same number of bare POSTs at the same concurrency; meter events to the Stripe fake, v1 and
 *    the v2 stream.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutboxDispatcher } from '../src/billing/outbox-dispatcher.js';
import { createSecretSeal } from '../src/billing/secret-seal.js';
import { createStripeMeterClient } from '../src/billing/stripe-meter-client.js';
import { generateWebhookSecret } from '../src/billing/webhook-signature.js';
import { loadConfig } from '../src/cli/load-config.js';
import { createMeter, systemClock, type TenantContext } from '../src/metering/index.js';
import type { OutboxEvent, Store } from '../src/stores/contract/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createSqliteStore } from '../src/stores/sqlite/index.js';
import { createTenancy } from '../src/tenancy/index.js';
import { startFakeStripe } from '../test/support/fake-stripe.js';
import { interleaved, machine, ratioTable, type LoadResult } from './lib/measure.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEYS = 4;
const OPERATIONS = ['add_memory_v1', 'search_v1', 'get_memory_v1', 'update_memory_v1'];
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 3000);
const KEY_SECRET = randomBytes(32).toString('hex');

/** The workload with the outbox on: limits to check (never crossed) and a metered billing customer. */
async function workload(store: Store, outbox: boolean, aggregation: 'per_call' | 'per_minute' = 'per_minute') {
  const config = loadConfig({ env: { TOLLGATE_KEY_SECRET: KEY_SECRET } });
  // Off: the same engine, the requests stripped of their outbox spec before the ledger.
  const ledger = outbox ? store.ledger : { ...store.ledger, charge: (r: Parameters<Store['ledger']['charge']>[0]) => store.ledger.charge({ ...r, outbox: null }) };
  const meter = createMeter({ store: { ...store, ledger }, plans: config.plans, keySecret: KEY_SECRET, metering: { meterAggregation: aggregation } });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: KEY_SECRET, clock: systemClock });
  const org = await tenancy.createOrganization({
    name: 'bench',
    planTier: 'enterprise',
    rateLimits: { rate_limit_per_minute: 1e9, max_mini_interactions_per_month: 1e12 },
    subscription: { meteredBilling: true, billingCustomerId: 'cus_bench' },
  });
  const contexts: TenantContext[] = [];
  for (let n = 0; n < KEYS; n++) {
    const ns = await tenancy.createNamespace(org.id, { name: `ns${n}` });
    const auth = await meter.authenticate((await tenancy.issueNamespaceKey(ns.id, { name: `k${n}` })).key);
    if (!auth.ok) throw auth.error;
    contexts.push(auth.value);
  }
  return {
    meter,
    call: async (i: number) => {
      const d = await meter.charge(contexts[i % KEYS]!, OPERATIONS[Math.floor(i / KEYS) % OPERATIONS.length]!);
      if (!d.allowed) throw new Error(`refused: ${d.status}`);
    },
  };
}

async function chargePath(label: string, open: (variant: string) => Promise<Store>): Promise<LoadResult[]> {
  const stores = await Promise.all(['off', 'minute', 'call'].map(open));
  const [off, minute, call] = await Promise.all([workload(stores[0]!, false), workload(stores[1]!, true, 'per_minute'), workload(stores[2]!, true, 'per_call')]);
  const results: LoadResult[] = [];
  for (const concurrency of [1, 100]) {
    results.push(
      ...(await interleaved(
        [
          { label: `${label}: outbox off`, call: off.call },
          { label: `${label}: outbox on, meter events summed per minute (default)`, call: minute.call },
          { label: `${label}: outbox on, a meter event per charge`, call: call.call },
        ],
        concurrency,
        DURATION_MS,
        ROUNDS,
      )),
    );
  }
  for (const w of [off, minute, call]) await w.meter.close();
  for (const s of stores) await s.close();
  return results;
}

/** A receiver that answers 204 to everything, as fast as it can. */
async function receiver() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** The floor: the same number of bare POSTs of a similar body, 8 at a time, as the dispatcher sends. */
async function barePosts(url: string, count: number): Promise<number> {
  const body = JSON.stringify({ type: 'usage.threshold', timestamp: new Date().toISOString(), data: { organization_id: 'org', used: 80, limit: 100 } });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < count) {
        await new Promise<void>((resolve, reject) => {
          const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => (res.resume(), res.on('end', resolve)));
          req.on('error', reject);
          req.end(body);
        });
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function dispatcherThroughput(dir: string): Promise<string[]> {
  const sink = await receiver();
  const stripe = await startFakeStripe();
  const lines: string[] = [];
  try {
    const store = createSqliteStore({ path: join(dir, 'dispatch.db'), clock: systemClock });
    const seal = createSecretSeal(KEY_SECRET, 'webhook secrets');
    await store.webhooks.create({ id: 'wh_bench', organizationId: 'org_bench', url: sink.url, eventTypes: ['usage.threshold'], sealedSecret: seal.seal(generateWebhookSecret()), createdAt: 1 });
    const now = Date.now();
    const event = (i: number, topic: 'webhook' | 'meter'): OutboxEvent => ({
      dedupKey: `bench:${topic}:${i}`,
      organizationId: 'org_bench',
      topic,
      type: topic === 'webhook' ? 'usage.threshold' : 'mini',
      payload: topic === 'webhook' ? { organization_id: 'org_bench', used: 80, limit: 100 } : { charge_id: `c${i}`, kind: 'charge', customer_id: 'cus_bench', type: 'mini', amount: 4, at_ms: now, period: 'bench' },
      atMs: now,
      availableAtMs: now,
    });
    for (let i = 0; i < DELIVERIES; i += 500) await store.outbox.enqueue(Array.from({ length: Math.min(500, DELIVERIES - i) }, (_, k) => event(i + k, 'webhook')));
    const dispatcher = (api: 'v1' | 'stream') =>
      createOutboxDispatcher({
        outbox: store.outbox,
        webhooks: store.webhooks,
        keySecret: KEY_SECRET,
        sender: { allowedHosts: ['127.0.0.1'] },
        meter: { client: createStripeMeterClient({ secretKey: stripe.secretKey, baseUrl: stripe.baseUrl }), aggregation: 'per_call', api },
        clock: systemClock,
        batchSize: 200,
      });
    const drain = async (api: 'v1' | 'stream') => {
      const d = dispatcher(api);
      const started = performance.now();
      let delivered = 0;
      for (;;) {
        const round = await d.runOnce();
        delivered += round.delivered;
        if (round.delivered + round.retrying + round.failed === 0) break;
      }
      return { delivered, perSecond: delivered / ((performance.now() - started) / 1000) };
    };
    const webhooks = await drain('v1');
    const floor = await barePosts(sink.url, DELIVERIES);
    lines.push(
      `| signed webhooks to a local receiver (8 at a time) | ${webhooks.delivered} | ${Math.round(webhooks.perSecond).toLocaleString('en-US')} | ${(webhooks.perSecond / floor).toFixed(2)}× the floor |`,
      `| floor: bare POSTs to the same receiver, 8 at a time | ${DELIVERIES} | ${Math.round(floor).toLocaleString('en-US')} | 1.00× |`,
    );
    for (const api of ['v1', 'stream'] as const) {
      const base = api === 'v1' ? 1_000_000 : 2_000_000;
      for (let i = 0; i < DELIVERIES; i += 500) await store.outbox.enqueue(Array.from({ length: Math.min(500, DELIVERIES - i) }, (_, k) => event(base + i + k, 'meter')));
      const meter = await drain(api);
      lines.push(`| meter events to the Stripe fake, ${api === 'v1' ? 'v1 (one request each, 4 at a time)' : 'v2 stream (100 per request)'} | ${meter.delivered} | ${Math.round(meter.perSecond).toLocaleString('en-US')} | |`);
    }
    await store.close();
  } finally {
    await sink.close();
    await stripe.close();
  }
  return ['| dispatcher | events | events/s | vs floor |', '|---|---|---|---|', ...lines];
}

export async function benchOutbox(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-outbox-'));
  const schema = `tollgate_bench_outbox_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  try {
    const sqlite = await chargePath('SQLite', async (variant) => createSqliteStore({ path: join(dir, `${variant}.db`), clock: systemClock }));
    const postgres = await chargePath('PostgreSQL', async (variant) => {
      schemas.push(`${schema}_${variant}`);
      return createPostgresStore({ connectionString: DATABASE_URL, schema: `${schema}_${variant}`, poolSize: 8, clock: systemClock });
    });
    const results = [...sqlite, ...postgres];
    const off = (r: LoadResult) => results.find((b) => b.label === r.label.replace(/outbox on.*/, 'outbox off') && b.concurrency === r.concurrency);
    return [
      `Machine: ${machine()}. Each charge row runs ${DURATION_MS / 1000} s in ${ROUNDS} rounds taken in turn with the others at the same concurrency. Outbox on: every charge is of a metered organization with a billing customer and checks three thresholds on its limited organization counter, and meters itself in its own transaction: summed into the minute's entry (the default), or as an entry of its own (per call); off: the same requests without their outbox spec.`,
      '',
      ratioTable(results, [{ label: 'vs outbox off at the same concurrency', baselineOf: off }]),
      '',
      `Dispatcher, ${DELIVERIES} entries each, from a SQLite outbox:`,
      '',
      ...(await dispatcherThroughput(dir)),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const pg = await import('pg');
    const admin = new pg.default.Pool({ connectionString: DATABASE_URL, max: 1 });
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
  }
}
