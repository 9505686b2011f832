/**
 * For receivers of Tollgate's webhooks (package entry "tollgate/webhooks"): checking a delivery's
 * Standard Webhooks signature, with nothing else of Tollgate loaded (no store, no driver).
 */
export { verifyWebhook, decodeWebhookSecret, DEFAULT_WEBHOOK_TOLERANCE_SECONDS, WEBHOOK_SECRET_PREFIX } from './billing/webhook-signature.js';
export type { HeaderSource, VerifiedWebhook, VerifyWebhookOptions, WebhookHeaders, WebhookVerificationFailure, WebhookVerificationReason } from './billing/webhook-signature.js';
export { WEBHOOK_EVENT_TYPES } from './core/webhook-event-types.js';
export type { WebhookEventType } from './core/webhook-event-types.js';
