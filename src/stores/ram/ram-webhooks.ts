import type { WebhookEndpoint, WebhookEndpoints } from '../contract/index.js';

export function createRamWebhooks(): WebhookEndpoints {
  const endpoints = new Map<string, WebhookEndpoint>();
  const own = (organizationId: string, id: string) => {
    const found = endpoints.get(id);
    return found && found.organizationId === organizationId ? found : null;
  };
  return {
    async create(endpoint) {
      endpoints.set(endpoint.id, endpoint);
      return endpoint;
    },
    list: async (organizationId) => [...endpoints.values()].filter((e) => e.organizationId === organizationId).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
    get: async (organizationId, id) => own(organizationId, id),
    async delete(organizationId, id) {
      return own(organizationId, id) !== null && endpoints.delete(id);
    },
  };
}
