/** The event types a webhook endpoint may ask for (issue 12). */
export const WEBHOOK_EVENT_TYPES = ['usage.threshold', 'usage.refused', 'key.revoked', 'plan.changed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
