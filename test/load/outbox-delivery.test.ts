/**
 * Issue 12: usage leaves exactly once, with real `tollgate serve` processes, a real webhook receiver
 * (every delivery verified with the standardwebhooks package) and the strict Stripe fake.
 * - kill -9 of the server while deliveries are pending (the receiver is down): after the restart
 *   every event is delivered, each under one id, once the receiver is back.
 * - four server processes on PostgreSQL, each running a dispatcher: every event is delivered once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startServerProcess, type ServerProcess } from './support/servers.js';

const KEY_SECRET = 'outbox-test-secret-0123456789abcdefghij';
const ADMIN_KEY = 'outbox-test-admin-key-0123456789abcd';

interface Tenant {
  readonly orgId: string;
  readonly key: string;
  readonly customerId: string;
}

function environment(stripe: FakeStripe, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    TOLLGATE_KEY_SECRET: KEY_SECRET,
    TOLLGATE_ADMIN_KEY: ADMIN_KEY,
    TOLLGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    TOLLGATE_STRIPE_SECRET_KEY: stripe.secretKey,
    TOLLGATE_STRIPE_API_BASE: stripe.baseUrl,
    TOLLGATE_METER_AGGREGATION: 'per_call',
    TOLLGATE_OUTBOX_LEASE_MS: '2000',
    TOLLGATE_OUTBOX_RETRY_BASE_MS: '200',
    ...extra,
  };
}

async function call(server: ServerProcess, method: string, path: string, auth: { admin?: true; key?: string }, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(auth.admin ? { 'x-admin-key': ADMIN_KEY } : { 'x-api-key': auth.key! }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Metered organizations with an included 10 interactions and an endpoint each (its own path and secret on the one receiver). */
async function tenants(server: ServerProcess, receiver: WebhookReceiver, count: number, tag: string): Promise<Tenant[]> {
  const made: Tenant[] = [];
  for (let i = 0; i < count; i++) {
    const customerId = `cus_${tag}_${i}`;
    const org = await call(server, 'POST', '/admin/organizations', { admin: true }, {
      name: `Outbox ${tag} ${i}`,
      plan_tier: 'enterprise',
      rate_limits: { max_mini_interactions_per_month: 10 },
      subscription: { metered_billing: true, billing_customer_id: customerId },
    });
    expect(org.status, JSON.stringify(org.body)).toBe(201);
    const ns = await call(server, 'POST', `/admin/organizations/${org.body.id}/namespaces`, { admin: true }, { name: 'production' });
    const key = await call(server, 'POST', `/admin/namespaces/${ns.body.id}/api-keys`, { admin: true }, { name: 'backend' });
    const path = `/hooks/${tag}/${i}`;
    const hook = await call(server, 'POST', `/admin/organizations/${org.body.id}/webhooks`, { admin: true }, { url: `${receiver.url.replace(/\/hooks$/, '')}${path}`, event_types: ['usage.threshold'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    receiver.route(path, hook.body.secret);
    made.push({ orgId: org.body.id, key: key.body.key, customerId });
  }
  return made;
}

/** Three adds of 4 interactions: 4, 8 (past 80 % of the 10 included), 12 (past 95 % and 100 %): three thresholds and three meter events. */
async function spend(servers: readonly ServerProcess[], all: readonly Tenant[]): Promise<void> {
  await Promise.all(
    all.map(async (t, i) => {
      for (let n = 0; n < 3; n++) {
        const added = await call(servers[(i + n) % servers.length]!, 'POST', '/v1/memory', { key: t.key }, { content: `outbox memory ${n}` });
        expect(added.status).toBe(200);
      }
    }),
  );
}

/** Waits until nothing is pending in the outbox (the dispatchers delivered or dead-lettered everything). */
async function drained(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await call(server, 'GET', '/admin/outbox?state=pending&limit=1000', { admin: true });
    if (pending.body.items.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still pending after ${timeoutMs} ms: ${JSON.stringify(pending.body.items.slice(0, 3))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function expectEachDeliveredOnce(receiver: WebhookReceiver, stripe: FakeStripe, all: readonly Tenant[]): void {
  expect(receiver.rejected).toEqual([]);
  const ids = receiver.deliveries.map((d) => d.id);
  expect(ids).toHaveLength(3 * all.length);
  expect(new Set(ids).size).toBe(ids.length);
  for (const [i] of all.entries()) {
    const percents = receiver.deliveries.filter((d) => d.path.endsWith(`/${i}`)).map((d) => JSON.parse(d.body).data.threshold_percent);
    expect(percents.sort((a, b) => a - b)).toEqual([80, 95, 100]);
  }
  for (const t of all) expect(stripe.sum(t.customerId, 'tollgate_mini')).toBe(12);
  expect(stripe.events).toHaveLength(3 * all.length);
  expect(new Set(stripe.events.map((e) => e.identifier)).size).toBe(stripe.events.length);
}

describe('outbox: kill -9 of the server while deliveries are pending (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-outbox-kill-'));
  let stripe: FakeStripe;
  let receiver: WebhookReceiver;
  const running: ServerProcess[] = [];
  beforeAll(async () => {
    stripe = await startFakeStripe();
    receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64') });
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await receiver.close();
    await stripe.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event after the restart, once the receiver is back, each under one id', async () => {
    const env = environment(stripe, { TOLLGATE_DATA: join(dir, 'outbox.db') });
    const first = await startServerProcess(env);
    running.push(first);
    const all = await tenants(first, receiver, 6, 'kill');
    await receiver.goDown('unavailable');
    // Stripe down too: its events must wait as well.
    stripe.setDown(true);
    await spend([first], all);
    const deadline = Date.now() + 10_000;
    while (receiver.attempts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(receiver.attempts).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    running.pop();

    const second = await startServerProcess(env);
    running.push(second);
    stripe.setDown(false);
    await receiver.comeBack();
    await drained(second, 30_000);
    expect((await call(second, 'GET', '/admin/outbox?state=failed&limit=1000', { admin: true })).body.items).toEqual([]);
    expectEachDeliveredOnce(receiver, stripe, all);
  });
});

const schema = randomSchema('tollgate_outbox');
await describeWithPostgres('outbox: four server processes on PostgreSQL', () => {
  let stripe: FakeStripe;
  let receiver: WebhookReceiver;
  const running: ServerProcess[] = [];
  beforeAll(async () => {
    stripe = await startFakeStripe();
    receiver = await startWebhookReceiver({ secret: 'whsec_' + Buffer.alloc(32, 2).toString('base64') });
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await receiver.close();
    await stripe.close();
    await dropSchema(schema);
  });

  it('delivers each event once while four dispatchers compete for the outbox', async () => {
    const env = environment(stripe, { TOLLGATE_STORE: 'postgres', DATABASE_URL, TOLLGATE_PG_SCHEMA: schema });
    running.push(await startServerProcess(env));
    running.push(...(await Promise.all([1, 2, 3].map(() => startServerProcess(env)))));
    const all = await tenants(running[0]!, receiver, 20, 'pg');
    await spend(running, all);
    await drained(running[0]!, 30_000);
    expectEachDeliveredOnce(receiver, stripe, all);
    // Stripe never saw one identifier twice: no attempt was refused as a duplicate.
    expect(stripe.requests.filter((r) => r.status !== 200)).toEqual([]);
  });
});
