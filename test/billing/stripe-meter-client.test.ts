/**
 * The meter client, through the official stripe SDK, against the strict fake of Stripe's endpoints
 * over real HTTP: what each answer of Stripe's comes to for the dispatcher.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMeterEvents, type MeteredUsage, type StripeMeterEvent } from '../../src/billing/meter-events.js';
import { createStripeMeterClient, METER_EVENT_STREAM_MAX_BATCH } from '../../src/billing/stripe-meter-client.js';
import { TollgateError } from '../../src/core/errors.js';
import { manualClock } from '../support/clock.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';

const DAY_MS = 86_400_000;
let fake: FakeStripe;

beforeEach(async () => {
  fake = await startFakeStripe();
});
afterEach(async () => {
  await fake.close();
});

function event(identifier: string, overrides: Partial<StripeMeterEvent> = {}): StripeMeterEvent {
  return {
    event_name: 'tollgate_mini',
    identifier,
    timestamp: Math.floor(Date.now() / 1000) - 60,
    payload: { stripe_customer_id: 'cus_A', value: '4' },
    ...overrides,
  };
}

const client = (overrides: { secretKey?: string; clock?: ReturnType<typeof manualClock> } = {}) =>
  createStripeMeterClient({ secretKey: overrides.secretKey ?? fake.secretKey, baseUrl: fake.baseUrl, ...(overrides.clock ? { clock: overrides.clock } : {}) });

describe('v1 meter events', () => {
  it('delivers an event, form-encoded with the secret key, as Stripe records it', async () => {
    const sent = event('tgc_chg_1');
    expect(await client().sendEvent(sent)).toEqual({ outcome: 'delivered', duplicate: false });
    expect(fake.events).toEqual([
      { via: 'v1', eventName: 'tollgate_mini', identifier: 'tgc_chg_1', timestampSeconds: sent.timestamp, customerId: 'cus_A', value: 4 },
    ]);
  });

  it('an identifier Stripe has already seen is delivered once: the resend counts as delivered', async () => {
    const meter = client();
    expect(await meter.sendEvent(event('tgc_chg_1'))).toEqual({ outcome: 'delivered', duplicate: false });
    expect(await meter.sendEvent(event('tgc_chg_1'))).toEqual({ outcome: 'delivered', duplicate: true });
    expect(fake.events).toHaveLength(1);
    expect(fake.requests.map((r) => r.status)).toEqual([200, 400]);
  });

  it('429 is retryable, with the wait Stripe gave; the next attempt delivers', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const meter = client();
    expect(await meter.sendEvent(event('tgc_chg_1'))).toEqual({ outcome: 'retryable', status: 429, retryAfterMs: 7_000, message: expect.stringContaining('rate limit') });
    expect(fake.events).toEqual([]);
    expect(await meter.sendEvent(event('tgc_chg_1'))).toEqual({ outcome: 'delivered', duplicate: false });
  });

  it('5xx and an unreachable API are retryable without a wait', async () => {
    fake.failNext(1, { status: 500 });
    expect(await client().sendEvent(event('tgc_chg_1'))).toMatchObject({ outcome: 'retryable', status: 500, retryAfterMs: null });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = createStripeMeterClient({ secretKey: fake.secretKey, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    expect(await nowhere.sendEvent(event('tgc_chg_1'))).toMatchObject({ outcome: 'retryable', status: null });
  });

  it('400 for an invalid event is rejected with Stripe’s message, for the dead letters', async () => {
    const tooOld = event('tgc_old', { timestamp: Math.floor((Date.now() - 36 * DAY_MS) / 1000) });
    expect(await client().sendEvent(tooOld)).toEqual({
      outcome: 'rejected',
      status: 400,
      code: 'parameter_invalid',
      param: 'timestamp',
      message: 'The timestamp must be within the past 35 calendar days.',
    });
    const fractional = await client().sendEvent(event('tgc_frac', { payload: { stripe_customer_id: 'cus_A', value: '1.5' } }));
    expect(fractional).toMatchObject({ outcome: 'rejected', param: 'payload[value]' });
    expect(fake.events).toEqual([]);
  });

  it('401 with a wrong key is unauthorized: not the events’ fault, keep them', async () => {
    const outcome = await client({ secretKey: 'sk_test_wrong_key_0000' }).sendEvent(event('tgc_chg_1'));
    expect(outcome).toEqual({ outcome: 'unauthorized', status: 401, message: expect.stringMatching(/^Invalid API Key provided: sk_test_/) });
    expect(fake.events).toEqual([]);
  });

  it('several events: one customer’s meter one at a time; after a 429 the rest of that meter waits unsent', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 2 });
    const events = [event('a1'), event('b1', { payload: { stripe_customer_id: 'cus_B', value: '1' } }), event('a2'), event('a3')];
    const outcomes = await client().sendEvents(events, { concurrency: 1 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['retryable', 'delivered', 'retryable', 'retryable']);
    expect(outcomes[2]).toEqual(outcomes[0]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.events.map((e) => e.identifier)).toEqual(['b1']);
  });

  it('a month of usage summed per minute arrives whole: Stripe’s sum equals the usage', async () => {
    const start = Date.now() - 3 * DAY_MS;
    const usage: MeteredUsage[] = Array.from({ length: 60 }, (_, i) => ({
      chargeId: `chg_${i}`,
      kind: i % 10 === 9 ? 'refund' : 'charge',
      atMs: start + i * 17_000,
      customerId: i % 3 === 0 ? 'cus_B' : 'cus_A',
      type: i % 4 === 0 ? 'premium' : 'mini',
      amount: 1 + (i % 5),
    }));
    const plan = buildMeterEvents(usage, { aggregation: 'per_minute' });
    const outcomes = await client().sendEvents(plan.drafts.map((d) => d.event));
    expect(outcomes.every((o) => o.outcome === 'delivered')).toBe(true);
    for (const customer of ['cus_A', 'cus_B']) {
      for (const type of ['mini', 'premium'] as const) {
        const expected = usage.filter((u) => u.customerId === customer && u.type === type).reduce((sum, u) => sum + (u.kind === 'refund' ? -u.amount : u.amount), 0);
        expect(fake.sum(customer, `tollgate_${type}`), `${customer} ${type}`).toBe(expected);
      }
    }
    expect(fake.requests.length).toBeLessThan(usage.length);
  });
});

describe('v2 meter event stream', () => {
  const batch = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => event(`${prefix}${i}`, { payload: { stripe_customer_id: 'cus_A', value: String(i + 1) } }));

  it('sends up to 100 events in one request on a session token, reused for the next batch', async () => {
    const meter = client();
    expect(await meter.sendStreamBatch(batch(METER_EVENT_STREAM_MAX_BATCH))).toEqual({ outcome: 'delivered', duplicate: false });
    expect(await meter.sendStreamBatch(batch(3, 'f'))).toEqual({ outcome: 'delivered', duplicate: false });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v2/billing/meter_event_session', '/v2/billing/meter_event_stream', '/v2/billing/meter_event_stream']);
    expect(fake.events).toHaveLength(103);
    expect(fake.events.every((e) => e.via === 'v2')).toBe(true);
    expect(fake.sum('cus_A', 'tollgate_mini')).toBe((100 * 101) / 2 + 6);
  });

  it('refuses an empty batch or one over 100 before sending anything', async () => {
    const meter = client();
    await expect(meter.sendStreamBatch([])).rejects.toThrow(TollgateError);
    await expect(meter.sendStreamBatch(batch(101))).rejects.toThrow(/1 to 100 events/);
    expect(fake.requests).toEqual([]);
  });

  it('renews the session before its 15 minutes run out', async () => {
    const clock = manualClock(Date.now());
    const meter = client({ clock });
    await meter.sendStreamBatch(batch(1, 'a'));
    clock.advance(13 * 60_000);
    await meter.sendStreamBatch(batch(1, 'b'));
    clock.advance(90_000); // 14.5 minutes in: less than the renewal margin left
    await meter.sendStreamBatch(batch(1, 'c'));
    expect(fake.requests.filter((r) => r.path === '/v2/billing/meter_event_session')).toHaveLength(2);
    expect(fake.events).toHaveLength(3);
  });

  it('a token Stripe says has expired is renewed once and the batch resent', async () => {
    const stripeClock = manualClock(Date.now());
    await fake.close();
    fake = await startFakeStripe({ clock: stripeClock });
    const meter = client({ clock: manualClock(Date.now()) });
    await meter.sendStreamBatch(batch(1, 'a'));
    stripeClock.advance(16 * 60_000);
    expect(await meter.sendStreamBatch(batch(2, 'b'))).toEqual({ outcome: 'delivered', duplicate: false });
    expect(fake.requests.map((r) => `${r.path} ${r.status}`)).toEqual([
      '/v2/billing/meter_event_session 200',
      '/v2/billing/meter_event_stream 200',
      '/v2/billing/meter_event_stream 401',
      '/v2/billing/meter_event_session 200',
      '/v2/billing/meter_event_stream 200',
    ]);
  });

  it('a repeated identifier is accepted and dropped by Stripe’s later checks: counted once', async () => {
    const meter = client();
    await meter.sendStreamBatch(batch(2));
    expect(await meter.sendStreamBatch(batch(2))).toEqual({ outcome: 'delivered', duplicate: false });
    expect(fake.events).toHaveLength(2);
    expect(fake.errorReports.map((r) => r.code)).toEqual(['duplicate_identifier', 'duplicate_identifier']);
  });

  it('429 is retryable with the wait; a wrong key is unauthorized at the session', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 3 });
    expect(await client().sendStreamBatch(batch(1))).toMatchObject({ outcome: 'retryable', status: 429, retryAfterMs: 3_000 });
    expect(await client({ secretKey: 'sk_test_wrong_key_0000' }).sendStreamBatch(batch(1))).toMatchObject({ outcome: 'unauthorized', status: 401 });
    expect(fake.events).toEqual([]);
  });
});
