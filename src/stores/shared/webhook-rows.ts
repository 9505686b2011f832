import type { WebhookEndpoint } from '../contract/index.js';
import type { Row } from './record-rows.js';

/** A webhook endpoint as SQLite and PostgreSQL keep it (event types comma-separated). */
export function toWebhookEndpoint(row: Row): WebhookEndpoint {
  return {
    id: String(row.id),
    organizationId: String(row.organization_id),
    url: String(row.url),
    eventTypes: String(row.event_types).split(',').filter(Boolean),
    sealedSecret: String(row.sealed_secret),
    createdAt: Number(row.created_at),
  };
}

export const webhookValues = (e: WebhookEndpoint) => [e.id, e.organizationId, e.url, e.eventTypes.join(','), e.sealedSecret, e.createdAt];
