import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock } from '../../core/ports.js';
import { TollgateError } from '../../core/errors.js';
import type { Outbox, WebhookEndpoints } from '../../stores/contract/index.js';
import type { Tenancy } from '../../tenancy/index.js';
import { DeliveriesQuery, OutboxQuery, RetryOutboxBody } from './outbox-schemas.js';
import { toOutboxJson } from './outbox-mapper.js';
import { OrganizationWebhookParams, WebhookParams } from './webhook-schemas.js';

const tags = ['webhooks'];
const ORG_KEY = { operation: null, keyKinds: ['organization'] } as const;

/** The deliveries of one endpoint, newest first; another organization's endpoint is not found. */
async function deliveriesOf(outbox: Outbox, endpoints: Pick<WebhookEndpoints, 'get'>, organizationId: string, webhookId: string, query: { state?: string; limit?: number; offset?: number }) {
  if (!(await endpoints.get(organizationId, webhookId))) {
    throw new TollgateError('NOT_FOUND', { message: `No webhook endpoint with id "${webhookId}" in this organization.`, details: { webhook_id: webhookId } });
  }
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  const entries = await outbox.list({ organizationId, endpointId: webhookId, limit, offset, ...(query.state ? { state: query.state as never } : {}) });
  return { items: entries.map(toOutboxJson), page: { limit, offset } };
}

/** /v1/webhooks/{id}/deliveries: what became of each event sent to an endpoint (organization key). */
export async function deliveryRoutes(parent: FastifyInstance, options: { outbox: Outbox; endpoints: Pick<WebhookEndpoints, 'get'> }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/webhooks/:webhook_id/deliveries',
    { schema: { tags, summary: "A webhook endpoint's deliveries: status, attempts, last error", params: WebhookParams, querystring: DeliveriesQuery }, config: ORG_KEY },
    async (request) => deliveriesOf(options.outbox, options.endpoints, request.tenant!.organization.id, request.params.webhook_id, request.query),
  );
}

/** The operator's view: an endpoint's deliveries, the whole outbox (dead letters), and putting dead letters back. */
export async function adminOutboxRoutes(parent: FastifyInstance, options: { outbox: Outbox; endpoints: Pick<WebhookEndpoints, 'get'>; tenancy: Tenancy; clock: Clock }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { outbox, tenancy } = options;
  app.get(
    '/organizations/:id/webhooks/:webhook_id/deliveries',
    { schema: { tags, summary: "An organization's webhook endpoint's deliveries", params: OrganizationWebhookParams, querystring: DeliveriesQuery } },
    async (request) => deliveriesOf(outbox, options.endpoints, (await tenancy.getOrganization(request.params.id)).id, request.params.webhook_id, request.query),
  );
  app.get('/outbox', { schema: { tags: ['outbox'], summary: 'Outbox entries, newest first (state=failed: the dead letters)', querystring: OutboxQuery } }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const entries = await outbox.list({
      limit,
      offset,
      ...(q.state ? { state: q.state } : {}),
      ...(q.organization_id ? { organizationId: q.organization_id } : {}),
      ...(q.topic ? { topic: q.topic } : {}),
    });
    return { items: entries.map(toOutboxJson), page: { limit, offset } };
  });
  app.post('/outbox/retry', { schema: { tags: ['outbox'], summary: 'Put dead letters back to be delivered now', body: RetryOutboxBody } }, async (request) => {
    const { ids, organization_id } = request.body;
    const retried = await outbox.retry({ ...(ids ? { ids } : {}), ...(organization_id ? { organizationId: organization_id } : {}) }, options.clock.now());
    return { retried };
  });
}
