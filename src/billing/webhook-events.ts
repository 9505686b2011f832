/** The event types an endpoint may ask for (issue 12); their events are built where they are written (src/stores/shared). */
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../core/webhook-event-types.js';
