import type { WebhookEndpoint, WebhookEndpoints } from '../contract/index.js';

export interface RamWebhooks extends WebhookEndpoints {
  /** An organization's endpoints, synchronously (the outbox fans out inside a ledger batch). */
  now(organizationId: string): WebhookEndpoint[];
}

export function createRamWebhooks(): RamWebhooks {
  const endpoints = new Map<string, WebhookEndpoint>();
  const own = (organizationId: string, id: string) => {
    const found = endpoints.get(id);
    return found && found.organizationId === organizationId ? found : null;
  };
  const now = (organizationId: string) =>
    [...endpoints.values()].filter((e) => e.organizationId === organizationId).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return {
    now,
    async create(endpoint) {
      endpoints.set(endpoint.id, endpoint);
      return endpoint;
    },
    list: async (organizationId) => now(organizationId),
    get: async (organizationId, id) => own(organizationId, id),
    organizationsWanting: async (eventType) => [...new Set([...endpoints.values()].filter((e) => e.eventTypes.includes(eventType)).map((e) => e.organizationId))].sort(),
    async delete(organizationId, id) {
      return own(organizationId, id) !== null && endpoints.delete(id);
    },
  };
}
