/**
 * What one attempt to send meter events to Stripe came to, and how Stripe's answers map to it.
 *
 * - delivered: Stripe holds the events. A v1 event whose identifier Stripe has already seen is
 *   refused with 400 "An event already exists with identifier …" (and `stripe-should-retry: false`);
 *   identifiers are stable per usage, so that refusal proves an earlier attempt landed: delivered,
 *   with `duplicate: true`.
 * - retryable: 429, 409, 5xx, a network failure or a timeout; `retryAfterMs` when Stripe said.
 * - unauthorized: 401/403, a wrong or revoked key. Not the events' fault: keep them and retry once
 *   the key is fixed, never dead-letter them for it.
 * - rejected: any other 4xx (validation: a timestamp out of range, a missing field, an unknown
 *   event name…). Resending cannot help: dead-letter with Stripe's message.
 */
import Stripe from 'stripe';

type StripeError = InstanceType<typeof Stripe.errors.StripeError>;

export type MeterDelivery =
  | { readonly outcome: 'delivered'; readonly duplicate: boolean }
  | { readonly outcome: 'retryable'; readonly status: number | null; readonly retryAfterMs: number | null; readonly message: string }
  | { readonly outcome: 'unauthorized'; readonly status: number; readonly message: string }
  | { readonly outcome: 'rejected'; readonly status: number; readonly code: string | null; readonly param: string | null; readonly message: string };

export const DELIVERED: MeterDelivery = Object.freeze({ outcome: 'delivered', duplicate: false });

/** The outcome of a failed call: a StripeError as the SDK throws it, or anything else (a bug, a network fault). */
export function deliveryOfFailure(error: unknown, nowMs: number): MeterDelivery {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return { outcome: 'retryable', status: null, retryAfterMs: null, message: error instanceof Error ? error.message : String(error) };
  }
  const status = error.statusCode ?? null;
  const message = stripeMessage(error);
  if (status === null || status === 409 || status === 429 || status >= 500) {
    return { outcome: 'retryable', status, retryAfterMs: retryAfterMs(error.headers?.['retry-after'], nowMs), message };
  }
  if (status === 400 && isDuplicateIdentifier(error, message)) return { outcome: 'delivered', duplicate: true };
  if (status === 401 || status === 403) return { outcome: 'unauthorized', status, message };
  return { outcome: 'rejected', status, code: error.code ?? null, param: error.param ?? null, message };
}

/** Stripe documents no error code for it; the message is what its API answers (seen 2026-08). */
function isDuplicateIdentifier(error: StripeError, message: string): boolean {
  return error.code === 'duplicate_meter_event' || /already exists with identifier/i.test(message);
}

/** The message Stripe sent, without the SDK's "[req_…] " prefix. */
function stripeMessage(error: StripeError): string {
  const raw = error.raw as { message?: unknown } | undefined;
  return typeof raw?.message === 'string' ? raw.message : error.message;
}

/** Retry-After in whole seconds or as an HTTP date (RFC 9110); null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
