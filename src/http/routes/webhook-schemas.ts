/** Request schemas of webhook endpoints (/v1/webhooks, /admin/organizations/{id}/webhooks), every field bounded. */
import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../../billing/webhook-events.js';
import { Id } from './common-schemas.js';

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2_048, description: 'An http(s) URL Tollgate POSTs signed events to (Standard Webhooks).' }),
    event_types: Type.Array(Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t))), { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const WebhookParams = Type.Object({ webhook_id: Id });
export const OrganizationWebhookParams = Type.Object({ id: Id, webhook_id: Id });
