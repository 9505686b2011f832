/**
 * Deliveries signed by signWebhook, sent over HTTP to a receiver that verifies them with the
 * official standardwebhooks package; and the receiver's outages, which the dispatcher's tests use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook } from '../../src/billing/webhook-signature.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const secret = generateWebhookSecret();
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret });
});
afterEach(async () => {
  await receiver.close();
});

function deliver(id: string, body: string, signWith: string = secret, timestampSeconds = Math.floor(Date.now() / 1000)) {
  const headers = signWebhook({ id, timestampSeconds, payload: body }, signWith);
  return fetch(receiver.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
}

describe('webhook receiver', () => {
  it('verifies and records a signed delivery with its headers', async () => {
    const body = JSON.stringify({ type: 'usage.threshold', data: { threshold_percent: 95 } });
    expect((await deliver('evt_1', body)).status).toBe(204);
    expect(receiver.deliveries).toEqual([expect.objectContaining({ id: 'evt_1', body, path: '/hooks' })]);
    expect(receiver.deliveries[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('refuses a delivery signed with another secret, or too old, and records why', async () => {
    expect((await deliver('evt_1', '{}', generateWebhookSecret())).status).toBe(401);
    expect((await deliver('evt_2', '{}', secret, Math.floor(Date.now() / 1000) - 3_600)).status).toBe(401);
    expect(receiver.deliveries).toEqual([]);
    expect(receiver.rejected.map((r) => r.reason)).toEqual(['No matching signature found', 'Message timestamp too old']);
  });

  it('when down, refuses connections, then takes deliveries again on the same address', async () => {
    await receiver.goDown('refuse');
    await expect(deliver('evt_1', '{}')).rejects.toThrow();
    await receiver.comeBack();
    expect((await deliver('evt_1', '{}')).status).toBe(204);
    expect(receiver.deliveries.map((d) => d.id)).toEqual(['evt_1']);
  });

  it('when unavailable, answers 503 for the time given, then comes back by itself', async () => {
    await receiver.goDown('unavailable', 150);
    expect((await deliver('evt_1', '{}')).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await deliver('evt_1', '{}')).status).toBe(204);
    expect(receiver.attempts).toBe(2);
    expect(receiver.deliveries).toHaveLength(1);
  });
});
