export { generateWebhookSecret, signWebhook, verifyWebhook, decodeWebhookSecret, DEFAULT_WEBHOOK_TOLERANCE_SECONDS, WEBHOOK_SECRET_PREFIX } from './webhook-signature.js';
export type { HeaderSource, VerifiedWebhook, VerifyWebhookOptions, WebhookHeaders, WebhookMessage, WebhookVerificationFailure, WebhookVerificationReason } from './webhook-signature.js';
export { DEFAULT_THRESHOLD_PERCENTS, findThresholdCrossings, parseThresholdPercents, thresholdDedupKey, thresholdLinesOf, thresholdPoint } from './thresholds.js';
export type { ChargeFigures, ThresholdCrossing, ThresholdLine } from './thresholds.js';
export { buildMeterEvents, DEFAULT_METER_EVENT_NAMES, toStreamEvent } from './meter-events.js';
export type { BuildMeterEventsOptions, MeterAggregation, MeterEventDraft, MeterEventNames, MeterEventPlan, MeteredUsage, StripeMeterEvent } from './meter-events.js';
export { createStripeMeterClient, METER_EVENT_STREAM_MAX_BATCH } from './stripe-meter-client.js';
export type { StripeMeterClient, StripeMeterClientOptions } from './stripe-meter-client.js';
export type { MeterDelivery } from './meter-delivery.js';
