import type { WebhookEndpoint } from '../../stores/contract/index.js';

/** An endpoint as the API shows it: never its secret (shown once, at creation). */
export function toWebhookJson(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    organization_id: endpoint.organizationId,
    url: endpoint.url,
    event_types: endpoint.eventTypes,
    created_at: new Date(endpoint.createdAt).toISOString(),
  };
}
