/**
 * The fake of Stripe's meter event endpoints refuses what Stripe refuses: checked here with plain
 * HTTP requests, so that the client tests cannot pass against a fake that accepts anything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../support/clock.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';

const DAY_MS = 86_400_000;
let clock: ManualClock;
let fake: FakeStripe;

beforeEach(async () => {
  clock = manualClock('2026-11-15T12:00:00.000Z');
  fake = await startFakeStripe({ clock });
});
afterEach(async () => {
  await fake.close();
});

const nowSeconds = () => Math.floor(clock.now() / 1000);

function form(fields: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
}

const valid = () => form({ event_name: 'tollgate_mini', 'payload[stripe_customer_id]': 'cus_A', 'payload[value]': 4, identifier: `id_${Math.random()}`, timestamp: nowSeconds() });

async function postV1(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.baseUrl}/v1/billing/meter_events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: { type: string; code?: string; param?: string; message: string } } };
}

async function postV2(path: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.baseUrl}${path}`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', 'stripe-version': '2026-11-18.endive', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function sessionToken(): Promise<string> {
  const { status, body } = await postV2('/v2/billing/meter_event_session', fake.secretKey, {});
  expect(status).toBe(200);
  expect(Date.parse(body.expires_at) - Date.parse(body.created)).toBe(15 * 60_000);
  return body.authentication_token as string;
}

describe('v1: authentication and encoding', () => {
  it('needs the secret key, as Bearer or as the Basic user name, and answers in Stripe’s error shape', async () => {
    const missing = await postV1(valid(), { authorization: '' });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('did not provide an API key') });
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    const wrong = await postV1(valid(), { authorization: 'Bearer sk_test_somebody_elses_key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error!.message).not.toContain('somebody_elses');
    const basic = await postV1(valid(), { authorization: `Basic ${Buffer.from(`${fake.secretKey}:`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(fake.events).toHaveLength(1);
  });

  it('takes form encoding only, and no parameter it does not know', async () => {
    const json = await fetch(`${fake.baseUrl}/v1/billing/meter_events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event_name: 'tollgate_mini' }),
    });
    expect(json.status).toBe(400);
    const unknown = await postV1({ ...valid(), value: '4' });
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'value' });
    expect(fake.events).toEqual([]);
  });
});

describe('v1: fields', () => {
  it('requires the event name, the customer and the value', async () => {
    for (const field of ['event_name', 'payload[stripe_customer_id]', 'payload[value]']) {
      const { [field]: _, ...rest } = valid();
      const { status, body } = await postV1(rest);
      expect(status, field).toBe(400);
      expect(body.error, field).toMatchObject({ type: 'invalid_request_error', code: 'parameter_missing', param: field });
    }
  });

  it('takes whole numbers as values, negative ones too', async () => {
    for (const value of ['1.5', 'ten', '1e3', '']) {
      expect((await postV1({ ...valid(), 'payload[value]': value })).status, value).toBe(400);
    }
    expect((await postV1({ ...valid(), 'payload[value]': '-3' })).status).toBe(200);
    expect(fake.events.map((e) => e.value)).toEqual([-3]);
  });

  it('takes a timestamp from 35 days back to 5 minutes ahead, and the current time when none is given', async () => {
    const at = (ms: number) => postV1({ ...valid(), timestamp: String(Math.floor(ms / 1000)) });
    expect((await at(clock.now() + 5 * 60_000)).status).toBe(200);
    expect((await at(clock.now() + 5 * 60_000 + 1_000)).body.error).toMatchObject({ param: 'timestamp', message: expect.stringContaining('5 minutes') });
    expect((await at(clock.now() - 35 * DAY_MS)).status).toBe(200);
    expect((await at(clock.now() - 35 * DAY_MS - 1_000)).body.error).toMatchObject({ param: 'timestamp', message: expect.stringContaining('35') });
    const { timestamp: _, ...untimed } = valid();
    expect((await postV1(untimed)).body).toMatchObject({ object: 'billing.meter_event', timestamp: nowSeconds() });
  });

  it('refuses an identifier seen within 24 hours as Stripe does, and takes it again after', async () => {
    const fields = valid();
    expect((await postV1(fields)).status).toBe(200);
    const again = await postV1(fields);
    expect(again.status).toBe(400);
    expect(again.body.error).toEqual({ type: 'invalid_request_error', message: `An event already exists with identifier ${fields.identifier}.` });
    expect(again.headers.get('stripe-should-retry')).toBe('false');
    clock.advance(DAY_MS);
    expect((await postV1({ ...fields, timestamp: String(nowSeconds()) })).status).toBe(200);
    expect(fake.events).toHaveLength(2);
  });

  it('answers 429 with Retry-After, or 5xx, for as many requests as told, then normally', async () => {
    fake.failNext(2, { status: 429, retryAfterSeconds: 4 });
    fake.failNext(1, { status: 503 });
    const first = await postV1(valid());
    expect([first.status, first.headers.get('retry-after'), first.body.error!.code]).toEqual([429, '4', 'rate_limit']);
    expect((await postV1(valid())).status).toBe(429);
    expect((await postV1(valid())).body.error!.type).toBe('api_error');
    expect((await postV1(valid())).status).toBe(200);
    expect(fake.events).toHaveLength(1);
  });
});

describe('v2: sessions and the stream', () => {
  const streamEvent = (identifier: string, overrides: Record<string, unknown> = {}) => ({
    event_name: 'tollgate_mini',
    identifier,
    timestamp: new Date(clock.now()).toISOString(),
    payload: { stripe_customer_id: 'cus_A', value: '2' },
    ...overrides,
  });

  it('the stream takes a session token, not the secret key, and the token lasts 15 minutes', async () => {
    expect((await postV2('/v2/billing/meter_event_stream', fake.secretKey, { events: [streamEvent('a')] })).status).toBe(401);
    expect((await postV2('/v2/billing/meter_event_session', 'sk_test_wrong', {})).status).toBe(401);
    const token = await sessionToken();
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: [streamEvent('a')] })).status).toBe(200);
    clock.advance(15 * 60_000);
    const expired = await postV2('/v2/billing/meter_event_stream', token, { events: [streamEvent('b')] });
    expect(expired).toEqual({ status: 401, body: { error: expect.objectContaining({ type: 'temporary_session_expired', code: 'billing_meter_event_session_expired' }) } });
    expect(fake.events.map((e) => e.identifier)).toEqual(['a']);
  });

  it('takes 1 to 100 well-formed events as JSON with a Stripe-Version, refusing the whole request otherwise', async () => {
    const token = await sessionToken();
    const many = Array.from({ length: 101 }, (_, i) => streamEvent(`m${i}`));
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: many })).body.error).toMatchObject({ code: 'invalid_fields' });
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: [] })).status).toBe(400);
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: [streamEvent('x', { event_name: undefined })] })).status).toBe(400);
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: [streamEvent('x', { payload: { value: 2 } })] })).status).toBe(400);
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: [streamEvent('x')] }, { 'stripe-version': '' })).status).toBe(400);
    expect((await postV2('/v2/billing/meter_event_stream', token, { events: many.slice(0, 100) })).status).toBe(200);
    expect(fake.events).toHaveLength(100);
  });

  it('checks each event after accepting the request: bad ones are reported and not counted', async () => {
    const token = await sessionToken();
    const answer = await postV2('/v2/billing/meter_event_stream', token, {
      events: [
        streamEvent('ok'),
        streamEvent('ok'),
        streamEvent('old', { timestamp: new Date(clock.now() - 36 * DAY_MS).toISOString() }),
        streamEvent('frac', { payload: { stripe_customer_id: 'cus_A', value: '0.5' } }),
        streamEvent('nobody', { payload: { value: '1' } }),
      ],
    });
    expect(answer).toEqual({ status: 200, body: {} });
    expect(fake.events.map((e) => e.identifier)).toEqual(['ok']);
    expect(fake.errorReports.map((r) => [r.identifier, r.code])).toEqual([
      ['ok', 'duplicate_identifier'],
      ['old', 'timestamp_out_of_range'],
      ['frac', 'meter_event_invalid_value'],
      ['nobody', 'meter_event_no_customer_defined'],
    ]);
  });
});
