/**
 * Webhook signing as the Standard Webhooks specification defines it, and the check a receiver runs.
 *
 * A message carries three headers: `webhook-id` (the event's stable id, the same on every retry, so
 * receivers deduplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and
 * `webhook-signature`: space-separated `v1,<base64 HMAC-SHA-256 of "{id}.{timestamp}.{payload}">`,
 * one per secret in force (several while a secret is rotated). A secret is `whsec_` + base64 of its
 * key bytes; the HMAC key is those bytes, not the text.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TollgateError, fail, ok, type Result } from '../core/errors.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** The window the specification recommends, either side of the receiver's clock. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_BYTES = 32;
const SIGNATURE_VERSION = 'v1';
const HMAC_SHA256_BYTES = 32;

export interface WebhookMessage {
  /** The event's id: stable across retries of one event. */
  readonly id: string;
  /** When this attempt is sent, Unix seconds. */
  readonly timestampSeconds: number;
  /** The exact body sent; the signature covers these bytes. */
  readonly payload: string | Uint8Array;
}

// A type, not an interface, so that it passes where any header record is taken (fetch, verifyWebhook).
export type WebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** A new signing secret: shown to the endpoint's owner once, stored to sign every later delivery. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The headers of one delivery, signed with every secret given (the current one first while a
 * secret is rotated). Throws CONFIG_INVALID when a secret is not `whsec_` + base64 of 24–64 bytes.
 */
export function signWebhook(message: WebhookMessage, secrets: string | readonly string[]): WebhookHeaders {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TollgateError('CONFIG_INVALID', { message: 'A webhook needs at least one signing secret.' });
  if (!Number.isSafeInteger(message.timestampSeconds) || message.timestampSeconds < 0) {
    throw new TollgateError('VALIDATION_FAILED', { message: 'A webhook timestamp is whole seconds since the Unix epoch.', details: { timestampSeconds: message.timestampSeconds } });
  }
  const signatures = list.map((secret) => {
    const key = decodeWebhookSecret(secret);
    if (key === null) throw new TollgateError('CONFIG_INVALID', { message: `A webhook secret is "${WEBHOOK_SECRET_PREFIX}" followed by base64 of 24 to 64 bytes.` });
    return `${SIGNATURE_VERSION},${hmac(key, message).toString('base64')}`;
  });
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}

export type WebhookVerificationReason =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_secret'
  | 'no_matching_signature';

export interface WebhookVerificationFailure {
  readonly reason: WebhookVerificationReason;
  readonly message: string;
  /** The header at fault, when one is. */
  readonly header: keyof WebhookHeaders | null;
}

export interface VerifiedWebhook {
  readonly id: string;
  readonly timestampSeconds: number;
}

/** Request headers as Node gives them (lower-case names) or any casing; a repeated header counts by its first value. */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookOptions {
  /** The receiver's clock, epoch ms. */
  readonly nowMs: number;
  readonly toleranceSeconds?: number;
}

/**
 * For receivers: checks a delivery against the endpoint's secret(s). Passes when the timestamp is
 * within the tolerance of `nowMs` (either way: an old one is a replay, a new one a wrong clock) and
 * one `v1` signature in the header matches one secret, compared in constant time. Signatures of
 * other versions are ignored, as the specification asks.
 */
export function verifyWebhook(
  delivery: { readonly headers: HeaderSource; readonly payload: string | Uint8Array },
  secrets: string | readonly string[],
  options: VerifyWebhookOptions,
): Result<VerifiedWebhook, WebhookVerificationFailure> {
  const id = headerValue(delivery.headers, 'webhook-id');
  const timestampText = headerValue(delivery.headers, 'webhook-timestamp');
  const signatureText = headerValue(delivery.headers, 'webhook-signature');
  if (!id) return refuse('missing_header', 'The webhook-id header is missing.', 'webhook-id');
  if (!timestampText) return refuse('missing_header', 'The webhook-timestamp header is missing.', 'webhook-timestamp');
  if (!signatureText) return refuse('missing_header', 'The webhook-signature header is missing.', 'webhook-signature');

  if (!/^\d{1,15}$/.test(timestampText)) return refuse('invalid_timestamp', 'The webhook-timestamp header is not whole Unix seconds.', 'webhook-timestamp');
  const timestampSeconds = Number(timestampText);
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor(options.nowMs / 1000);
  if (nowSeconds - timestampSeconds > toleranceSeconds) {
    return refuse('timestamp_too_old', `The message is older than ${toleranceSeconds} s: refused as a possible replay.`, 'webhook-timestamp');
  }
  if (timestampSeconds - nowSeconds > toleranceSeconds) {
    return refuse('timestamp_too_new', `The message is dated more than ${toleranceSeconds} s ahead of this clock.`, 'webhook-timestamp');
  }

  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(decodeWebhookSecret);
  if (keys.length === 0 || keys.some((key) => key === null)) {
    return refuse('invalid_secret', `A webhook secret is "${WEBHOOK_SECRET_PREFIX}" followed by base64 of 24 to 64 bytes.`, null);
  }
  const message = { id, timestampSeconds, payload: delivery.payload };
  const expected = (keys as Buffer[]).map((key) => hmac(key, message));
  const offered = signatureText.split(' ').flatMap((entry) => {
    const [version, value] = splitOnce(entry, ',');
    if (version !== SIGNATURE_VERSION || value === undefined) return [];
    const bytes = Buffer.from(value, 'base64');
    // Buffer.from ignores bad characters: only a canonical encoding of 32 bytes is a signature.
    return bytes.length === HMAC_SHA256_BYTES && bytes.toString('base64') === value ? [bytes] : [];
  });
  const matches = offered.some((candidate) => expected.some((mac) => timingSafeEqual(candidate, mac)));
  if (!matches) return refuse('no_matching_signature', 'No v1 signature in webhook-signature matches the secret.', 'webhook-signature');
  return ok({ id, timestampSeconds });
}

/** The key bytes of `whsec_<base64>`, or null when the text is not such a secret of 24–64 bytes. */
export function decodeWebhookSecret(secret: string): Buffer | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) return null;
  return key.length >= 24 && key.length <= 64 ? key : null;
}

function hmac(key: Buffer, message: WebhookMessage): Buffer {
  return createHmac('sha256', key).update(`${message.id}.${message.timestampSeconds}.`).update(message.payload).digest();
}

function headerValue(headers: HeaderSource, name: keyof WebhookHeaders): string | undefined {
  const direct = headers[name];
  const value = direct ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return typeof value === 'string' ? value : value?.[0];
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function refuse(reason: WebhookVerificationReason, message: string, header: keyof WebhookHeaders | null) {
  return fail<WebhookVerificationFailure>({ reason, message, header });
}
