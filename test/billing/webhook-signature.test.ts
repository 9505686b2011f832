/**
 * Signing as the Standard Webhooks specification says, proven against the official
 * `standardwebhooks` package both ways: it verifies what we sign, we verify what it signs.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  decodeWebhookSecret,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookHeaders,
} from '../../src/billing/webhook-signature.js';
import { TollgateError } from '../../src/core/errors.js';

const payload = JSON.stringify({ type: 'usage.threshold', data: { organization_id: 'org_1', threshold_percent: 80, used: 800, limit: 1000 } });

function freshMessage(id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W') {
  return { id, timestampSeconds: Math.floor(Date.now() / 1000), payload };
}

describe('webhook secrets', () => {
  it('are whsec_ followed by base64 of 32 random bytes, each one new', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeWebhookSecret(a)).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('are refused when not whsec_ + canonical base64 of 24 to 64 bytes', () => {
    expect(decodeWebhookSecret('sk_' + Buffer.alloc(32).toString('base64'))).toBeNull();
    expect(decodeWebhookSecret('whsec_' + Buffer.alloc(16).toString('base64'))).toBeNull();
    expect(decodeWebhookSecret('whsec_' + Buffer.alloc(65).toString('base64'))).toBeNull();
    expect(decodeWebhookSecret('whsec_not*base64')).toBeNull();
    expect(decodeWebhookSecret('whsec_' + Buffer.alloc(24).toString('base64'))).toHaveLength(24);
    expect(() => signWebhook(freshMessage(), 'whsec_short')).toThrow(TollgateError);
    expect(() => signWebhook(freshMessage(), [])).toThrow(/at least one signing secret/);
  });
});

describe('signing: the official standardwebhooks package verifies our signatures', () => {
  it('accepts a delivery signed with one secret and gives back the payload', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(freshMessage(), secret);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
  });

  it('signs the same bytes as the package (same id, timestamp and body give the same signature)', () => {
    const secret = generateWebhookSecret();
    const message = freshMessage();
    const theirs = new Webhook(secret).sign(message.id, new Date(message.timestampSeconds * 1000), payload);
    expect(signWebhook(message, secret)['webhook-signature']).toBe(theirs);
  });

  it('signs a body given as bytes, with characters outside ASCII, the same as its text', () => {
    const secret = generateWebhookSecret();
    const text = JSON.stringify({ name: 'Zürich — 東京' });
    const message = { id: 'msg_1', timestampSeconds: Math.floor(Date.now() / 1000), payload: text };
    const fromBytes = signWebhook({ ...message, payload: new TextEncoder().encode(text) }, secret);
    expect(fromBytes).toEqual(signWebhook(message, secret));
    expect(() => new Webhook(secret).verify(text, { ...fromBytes })).not.toThrow();
  });

  it('during a rotation carries one signature per secret, and the package accepts either secret', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const headers = signWebhook(freshMessage(), [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(payload, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(payload, { ...headers })).toThrow(/No matching signature/);
  });

  it('is refused by the package when tampered with or too old', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(freshMessage(), secret);
    expect(() => new Webhook(secret).verify(payload.replace('800', '801'), { ...headers })).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(payload, { ...headers, 'webhook-id': 'msg_other' })).toThrow(/No matching signature/);
    const old = signWebhook({ ...freshMessage(), timestampSeconds: Math.floor(Date.now() / 1000) - DEFAULT_WEBHOOK_TOLERANCE_SECONDS - 10 }, secret);
    expect(() => new Webhook(secret).verify(payload, { ...old })).toThrow(/too old/);
  });
});

describe('verifying: our helper accepts what the package signs and refuses the rest', () => {
  const secret = generateWebhookSecret();
  const nowMs = Date.now();
  const nowSeconds = Math.floor(nowMs / 1000);

  function packageSigned(id = 'msg_p1', timestampSeconds = nowSeconds, body = payload): WebhookHeaders {
    return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), body) };
  }

  it('accepts a delivery the package signed, with headers in any casing', () => {
    const headers = packageSigned();
    expect(verifyWebhook({ headers, payload }, secret, { nowMs })).toEqual({ ok: true, value: { id: 'msg_p1', timestampSeconds: nowSeconds } });
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ headers: shouting, payload }, secret, { nowMs }).ok).toBe(true);
    expect(verifyWebhook({ headers: { ...headers, 'webhook-id': [headers['webhook-id']] }, payload }, secret, { nowMs }).ok).toBe(true);
  });

  it('accepts when one of several space-separated signatures matches, ignoring other versions', () => {
    const headers = packageSigned();
    const other = new Webhook(generateWebhookSecret()).sign('msg_p1', new Date(nowSeconds * 1000), payload);
    const signature = `v1a,${'A'.repeat(86)}== ${other} ${headers['webhook-signature']}`;
    expect(verifyWebhook({ headers: { ...headers, 'webhook-signature': signature }, payload }, secret, { nowMs }).ok).toBe(true);
    // Any of our secrets may match (verifying during a rotation).
    expect(verifyWebhook({ headers, payload }, [generateWebhookSecret(), secret], { nowMs }).ok).toBe(true);
  });

  it('refuses a tampered body, another id or a wrong secret: no_matching_signature', () => {
    const headers = packageSigned();
    const failures = [
      verifyWebhook({ headers, payload: payload.replace('800', '900') }, secret, { nowMs }),
      verifyWebhook({ headers: { ...headers, 'webhook-id': 'msg_p2' }, payload }, secret, { nowMs }),
      verifyWebhook({ headers, payload }, generateWebhookSecret(), { nowMs }),
      verifyWebhook({ headers: { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') }, payload }, secret, { nowMs }),
    ];
    for (const result of failures) {
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ reason: 'no_matching_signature', header: 'webhook-signature' }) });
    }
  });

  it('refuses a timestamp outside the tolerance either way, and accepts it at the edge', () => {
    const edge = DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
    expect(verifyWebhook({ headers: packageSigned('m', nowSeconds - edge), payload }, secret, { nowMs }).ok).toBe(true);
    expect(verifyWebhook({ headers: packageSigned('m', nowSeconds + edge), payload }, secret, { nowMs }).ok).toBe(true);
    const old = verifyWebhook({ headers: packageSigned('m', nowSeconds - edge - 1), payload }, secret, { nowMs });
    const ahead = verifyWebhook({ headers: packageSigned('m', nowSeconds + edge + 1), payload }, secret, { nowMs });
    expect(old.ok === false && old.error.reason).toBe('timestamp_too_old');
    expect(ahead.ok === false && ahead.error.reason).toBe('timestamp_too_new');
    // A tolerance of one's own.
    expect(verifyWebhook({ headers: packageSigned('m', nowSeconds - 30), payload }, secret, { nowMs, toleranceSeconds: 10 }).ok).toBe(false);
  });

  it('names the missing or malformed header, and a bad secret', () => {
    const headers = packageSigned();
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _, ...rest } = headers;
      const result = verifyWebhook({ headers: rest, payload }, secret, { nowMs });
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ reason: 'missing_header', header: name }) });
    }
    for (const timestamp of ['12.5', '-1', 'soon', '1e9']) {
      const result = verifyWebhook({ headers: { ...headers, 'webhook-timestamp': timestamp }, payload }, secret, { nowMs });
      expect(result.ok === false && result.error.reason, timestamp).toBe('invalid_timestamp');
    }
    const badSecret = verifyWebhook({ headers, payload }, 'whsec_tooshort', { nowMs });
    expect(badSecret.ok === false && badSecret.error.reason).toBe('invalid_secret');
  });
});
