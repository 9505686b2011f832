import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { WebhookEndpointService } from '../../billing/webhook-endpoint-service.js';
import type { Tenancy } from '../../tenancy/index.js';
import { CreateWebhookBody, OrganizationWebhookParams, WebhookParams } from './webhook-schemas.js';
import { toWebhookJson } from './webhook-mapper.js';
import { IdParams } from './admin-schemas.js';

const tags = ['webhooks'];
const ORG_KEY = { operation: null, keyKinds: ['organization'] } as const;

/** An organization's webhook endpoints, managed with an organization key (/v1/webhooks). */
export async function webhookRoutes(parent: FastifyInstance, options: { webhooks: WebhookEndpointService }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks } = options;

  app.post(
    '/webhooks',
    { schema: { tags, summary: 'Add a webhook endpoint (its signing secret is shown only in this response)', body: CreateWebhookBody }, config: { ...ORG_KEY, permission: 'write' } },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(request.tenant!.organization.id, { url: request.body.url, eventTypes: request.body.event_types });
      return reply.code(201).send({ ...toWebhookJson(endpoint), secret });
    },
  );
  app.get('/webhooks', { schema: { tags, summary: "The organization's webhook endpoints" }, config: ORG_KEY }, async (request) => ({
    items: (await webhooks.list(request.tenant!.organization.id)).map(toWebhookJson),
  }));
  app.delete('/webhooks/:webhook_id', { schema: { tags, summary: 'Remove a webhook endpoint', params: WebhookParams }, config: ORG_KEY }, async (request, reply) => {
    await webhooks.delete(request.tenant!.organization.id, request.params.webhook_id);
    return reply.code(204).send();
  });
}

/** The same for the operator, for any organization (/admin/organizations/{id}/webhooks). */
export async function adminWebhookRoutes(parent: FastifyInstance, options: { webhooks: WebhookEndpointService; tenancy: Tenancy }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { webhooks, tenancy } = options;
  const organizationOf = async (id: string) => (await tenancy.getOrganization(id)).id;

  app.post(
    '/organizations/:id/webhooks',
    { schema: { tags, summary: "Add a webhook endpoint to an organization (its secret is shown only in this response)", params: IdParams, body: CreateWebhookBody } },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(await organizationOf(request.params.id), { url: request.body.url, eventTypes: request.body.event_types });
      return reply.code(201).send({ ...toWebhookJson(endpoint), secret });
    },
  );
  app.get('/organizations/:id/webhooks', { schema: { tags, summary: "An organization's webhook endpoints", params: IdParams } }, async (request) => ({
    items: (await webhooks.list(await organizationOf(request.params.id))).map(toWebhookJson),
  }));
  app.delete(
    '/organizations/:id/webhooks/:webhook_id',
    { schema: { tags, summary: "Remove an organization's webhook endpoint", params: OrganizationWebhookParams } },
    async (request, reply) => {
      await webhooks.delete(await organizationOf(request.params.id), request.params.webhook_id);
      return reply.code(204).send();
    },
  );
}
