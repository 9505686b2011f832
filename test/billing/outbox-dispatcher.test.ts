/**
 * Issue 12: the dispatcher delivers the outbox of a real SQLite store to a real webhook receiver
 * (which verifies every delivery with the `standardwebhooks` package) and to the strict Stripe fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxDispatcher, type MeterDispatch } from '../../src/billing/outbox-dispatcher.js';
import { createSecretSeal } from '../../src/billing/secret-seal.js';
import { createStripeMeterClient } from '../../src/billing/stripe-meter-client.js';
import { generateWebhookSecret } from '../../src/billing/webhook-signature.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { manualClock, type ManualClock } from '../support/clock.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { createWorld, TEST_KEY_SECRET, type World } from '../support/world.js';

const FAST_RETRY = { baseMs: 20, capMs: 50, maxAgeMs: 60_000 };
let dir: string;
let world: World;
let receiver: WebhookReceiver | null = null;
let stripe: FakeStripe | null = null;

const systemClock = (): ManualClock => {
  const clock = manualClock();
  return Object.assign(clock, { now: () => Date.now() });
};

async function setUp(clock: ManualClock): Promise<void> {
  world = await createWorld(createSqliteStore({ path: join(dir, `store-${Math.random()}.db`), clock }), { clock });
}

async function hook(organizationId: string, eventTypes = ['usage.threshold']): Promise<{ id: string; receiver: WebhookReceiver }> {
  const secret = generateWebhookSecret();
  receiver = await startWebhookReceiver({ secret });
  const id = `wh_${Math.random().toString(36).slice(2)}`;
  const sealedSecret = createSecretSeal(TEST_KEY_SECRET, 'webhook secrets').seal(secret);
  await world.store.webhooks.create({ id, organizationId, url: receiver.url, eventTypes, sealedSecret, createdAt: world.clock.now() });
  return { id, receiver };
}

function dispatcher(extra: Partial<Parameters<typeof createOutboxDispatcher>[0]> = {}) {
  return createOutboxDispatcher({
    outbox: world.store.outbox,
    webhooks: world.store.webhooks,
    keySecret: TEST_KEY_SECRET,
    sender: { allowedHosts: ['127.0.0.1'] },
    meter: null,
    clock: world.clock,
    webhookRetry: FAST_RETRY,
    meterRetry: FAST_RETRY,
    ...extra,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-dispatch-'));
});
afterEach(async () => {
  await receiver?.close();
  await stripe?.close();
  receiver = null;
  stripe = null;
  await world?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox dispatcher: webhooks', () => {
  it('delivers the threshold a charge crossed, signed so that standardwebhooks verifies it, with the figures of that charge', async () => {
    await setUp(systemClock());
    const { context } = await world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10 } } });
    const org = context.organization.id;
    const { receiver } = await hook(org);
    for (let i = 0; i < 8; i++) await world.meter.charge(context, 'get_memory_v1');
    const round = await dispatcher().runOnce();
    expect(round).toMatchObject({ delivered: 1, retrying: 0, failed: 0 });
    expect(receiver.rejected).toEqual([]);
    expect(receiver.deliveries).toHaveLength(1);
    const body = JSON.parse(receiver.deliveries[0]!.body);
    expect(body.type).toBe('usage.threshold');
    expect(body.data).toMatchObject({ organization_id: org, scope: 'organization', threshold_percent: 80, limit: 10, used: 8, used_before: 7, percent_used: 80, operation: 'get_memory_v1' });
    const [entry] = await world.store.outbox.list({ organizationId: org, limit: 10 });
    expect(entry).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204 });
    expect(receiver.deliveries[0]!.id).toBe(entry!.eventId);
    // Nothing left: another round sends nothing.
    expect(await dispatcher().runOnce()).toMatchObject({ delivered: 0, retrying: 0, failed: 0 });
  });

  it('retries with backoff while the receiver is down, under the same webhook-id, and delivers once it is back', async () => {
    await setUp(systemClock());
    const { context } = await world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10 } } });
    const { receiver } = await hook(context.organization.id);
    await receiver.goDown('unavailable');
    for (let i = 0; i < 8; i++) await world.meter.charge(context, 'get_memory_v1');
    const d = dispatcher();
    expect(await d.runOnce()).toMatchObject({ delivered: 0, retrying: 1 });
    const [pending] = await world.store.outbox.list({ organizationId: context.organization.id, limit: 10 });
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
    await receiver.goDown('refuse');
    await new Promise((r) => setTimeout(r, 60));
    expect(await d.runOnce()).toMatchObject({ delivered: 0, retrying: 1 });
    await receiver.comeBack();
    await new Promise((r) => setTimeout(r, 60));
    expect(await d.runOnce()).toMatchObject({ delivered: 1 });
    expect(receiver.deliveries.map((x) => x.id)).toEqual([pending!.eventId]);
    expect((await world.store.outbox.list({ organizationId: context.organization.id, limit: 10 }))[0]).toMatchObject({ state: 'delivered', attempts: 3 });
  });

  it('gives up past the maximum age and keeps the dead letter, with the last error, until it is retried', async () => {
    await setUp(systemClock());
    const { context } = await world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10 } } });
    const org = context.organization.id;
    const { receiver } = await hook(org);
    await receiver.goDown('unavailable');
    for (let i = 0; i < 8; i++) await world.meter.charge(context, 'get_memory_v1');
    const d = dispatcher({ webhookRetry: { baseMs: 10, capMs: 10, maxAgeMs: 0 } });
    expect(await d.runOnce()).toMatchObject({ failed: 1 });
    const [dead] = await world.store.outbox.list({ state: 'failed', organizationId: org, limit: 10 });
    expect(dead!.lastError).toBe('gave up after 1 attempts: HTTP 503');
    await receiver.comeBack();
    expect(await world.store.outbox.retry({ organizationId: org }, Date.now())).toBe(1);
    expect(await d.runOnce()).toMatchObject({ delivered: 1 });
  });

  it('dead-letters a delivery to a destination no longer allowed, or to a deleted endpoint, without sending it', async () => {
    await setUp(systemClock());
    const { context } = await world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 100 } } });
    const org = context.organization.id;
    const { id, receiver } = await hook(org);
    for (let i = 0; i < 80; i++) await world.meter.charge(context, 'get_memory_v1');
    // No allowed hosts: 127.0.0.1 is this machine, which a tenant may not reach.
    expect(await dispatcher({ sender: { allowedHosts: null } }).runOnce()).toMatchObject({ failed: 1 });
    const [dead] = await world.store.outbox.list({ state: 'failed', organizationId: org, limit: 10 });
    expect(dead!.lastError).toMatch(/destination not allowed: .*127\.0\.0\.1 is an address of this machine/);
    await world.store.webhooks.delete(org, id);
    await world.store.outbox.retry({ organizationId: org }, Date.now());
    expect(await dispatcher().runOnce()).toMatchObject({ failed: 1 });
    expect((await world.store.outbox.list({ state: 'failed', organizationId: org, limit: 10 }))[0]!.lastError).toBe('the webhook endpoint was deleted');
    expect(receiver.attempts).toBe(0);
  });

  it('refuses, at delivery, a host name that resolves to an internal address (DNS rebinding)', async () => {
    await setUp(systemClock());
    const { context } = await world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10 } } });
    const org = context.organization.id;
    const { id, receiver } = await hook(org);
    const port = new URL(receiver.url).port;
    const endpoint = (await world.store.webhooks.get(org, id))!;
    await world.store.webhooks.delete(org, id);
    await world.store.webhooks.create({ ...endpoint, url: `http://hooks.example.com:${port}/hooks` });
    for (let i = 0; i < 8; i++) await world.meter.charge(context, 'get_memory_v1');
    const rebinding = (_host: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void) => callback(null, '127.0.0.1', 4);
    const round = await dispatcher({ sender: { allowedHosts: null, lookup: rebinding as never } }).runOnce();
    expect(round).toMatchObject({ retrying: 1 });
    expect((await world.store.outbox.list({ organizationId: org, limit: 10 }))[0]!.lastError).toMatch(/hooks\.example\.com resolves to 127\.0\.0\.1/);
    expect(receiver.attempts).toBe(0);
  });

  it('two dispatchers on one store deliver each event once', async () => {
    await setUp(systemClock());
    const orgs = await Promise.all(Array.from({ length: 6 }, () => world.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 10 } } })));
    const secret = generateWebhookSecret();
    receiver = await startWebhookReceiver({ secret });
    const sealedSecret = createSecretSeal(TEST_KEY_SECRET, 'webhook secrets').seal(secret);
    for (const { context } of orgs) {
      await world.store.webhooks.create({ id: `wh_${context.organization.id}`, organizationId: context.organization.id, url: receiver.url, eventTypes: ['usage.threshold'], sealedSecret, createdAt: 1 });
      for (let i = 0; i < 10; i++) await world.meter.charge(context, 'get_memory_v1');
    }
    const [a, b] = [dispatcher({ batchSize: 4 }), dispatcher({ batchSize: 4 })];
    for (let i = 0; i < 5; i++) await Promise.all([a.runOnce(), b.runOnce()]);
    const ids = receiver.deliveries.map((x) => x.id);
    expect(ids).toHaveLength(18);
    expect(new Set(ids).size).toBe(18);
  });
});

describe('outbox dispatcher: meter events', () => {
  async function meteredWorld(aggregation: MeterDispatch['aggregation']) {
    const clock = manualClock(Date.now());
    stripe = await startFakeStripe({ clock });
    await setUp(clock);
    const meter: MeterDispatch = { client: createStripeMeterClient({ secretKey: stripe.secretKey, baseUrl: stripe.baseUrl, clock }), aggregation, api: 'v1' };
    return { clock, meter };
  }

  it('per minute: the charges of a minute become one event once the minute is over, whose value is the counter; a refund is given back', async () => {
    const { clock, meter } = await meteredWorld('per_minute');
    await world.close();
    world = await createWorld(createSqliteStore({ path: join(dir, 'per-minute.db'), clock }), { clock, meter: { metering: { meterAggregation: 'per_minute' } } });
    const { context } = await world.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: 'cus_minute' } } });
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await world.meter.charge(context, 'add_memory_v1'));
    await world.meter.refund(decisions[0]!);
    const d = dispatcher({ meter });
    // The minute is not over: nothing is sent.
    expect(await d.runOnce()).toMatchObject({ delivered: 0, merged: 0 });
    clock.advance(70_000);
    // Summed as the charges were written: one entry, sent as it is.
    expect(await d.runOnce()).toMatchObject({ delivered: 1, merged: 0 });
    expect(stripe!.events).toHaveLength(1);
    expect(stripe!.sum('cus_minute', 'tollgate_mini')).toBe(16);
    const [used] = await world.store.ledger.readCounters([{ scope: 'organization', scopeId: context.organization.id, metric: 'mini', period: decisions[1]!.allowed ? decisions[1]!.period!.key : '' }]);
    expect(used).toBe(16);
    const entries = await world.store.outbox.list({ organizationId: context.organization.id, topic: 'meter', limit: 100 });
    expect(entries.map((e) => [e.state, e.payload.kind, e.payload.amount])).toEqual([['delivered', 'sum', 16]]);
    expect(stripe!.events[0]!.identifier).toBe(`tgm_${entries[0]!.eventId.slice(4)}`);
  });

  it('per call through v1: a 500 is retried, and the resend under the same identifier is counted once', async () => {
    const { clock, meter } = await meteredWorld('per_call');
    await world.close();
    world = await createWorld(createSqliteStore({ path: join(dir, 'per-call.db'), clock }), { clock, meter: { metering: { meterAggregation: 'per_call' } } });
    const { context } = await world.tenant({ organization: { subscription: { meteredBilling: true, billingCustomerId: 'cus_call' } } });
    for (let i = 0; i < 3; i++) await world.meter.charge(context, 'search_v1');
    stripe!.failNext(1, { status: 500 });
    const d = dispatcher({ meter });
    const first = await d.runOnce();
    expect(first.delivered + first.retrying).toBe(3);
    expect(first.retrying).toBeGreaterThanOrEqual(1);
    clock.advance(1_000);
    expect(await d.runOnce()).toMatchObject({ delivered: first.retrying });
    expect(stripe!.events).toHaveLength(3);
    expect(new Set(stripe!.events.map((e) => e.identifier)).size).toBe(3);
  });
});
