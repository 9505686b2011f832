import { TollgateError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { WebhookEndpoint, WebhookEndpoints } from '../stores/contract/index.js';
import { createSecretSeal } from './secret-seal.js';
import { webhookUrlProblem } from './webhook-destinations.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-events.js';
import { generateWebhookSecret } from './webhook-signature.js';

/** Endpoints an organization may have: enough for every environment, not a fan-out amplifier. */
export const MAX_WEBHOOK_ENDPOINTS = 20;

export interface NewWebhookEndpoint {
  readonly url: string;
  readonly eventTypes: readonly string[];
}

export type WebhookEndpointService = ReturnType<typeof createWebhookEndpointService>;

/** An organization's webhook endpoints: checked destinations, a signing secret shown once and kept sealed. */
export function createWebhookEndpointService(deps: {
  store: WebhookEndpoints;
  keySecret: string;
  clock: Clock;
  newId: () => string;
  /** Hosts deliveries may go to; null: any public host (webhookUrlProblem). */
  allowedHosts: readonly string[] | null;
  /** Endpoints an organization may have; MAX_WEBHOOK_ENDPOINTS when absent. */
  maxEndpoints?: number;
}) {
  const maxEndpoints = deps.maxEndpoints ?? MAX_WEBHOOK_ENDPOINTS;
  const seal = createSecretSeal(deps.keySecret, 'webhook secrets');
  const invalid = (problems: string[]) =>
    new TollgateError('VALIDATION_FAILED', { message: `Invalid webhook endpoint: ${problems.join('; ')}.`, details: { field: `body.${problems[0]!.split(':')[0]}`, problems } });

  return {
    /** Creates an endpoint; its signing secret is in this answer only. */
    async create(organizationId: string, input: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
      const problems: string[] = [];
      const urlProblem = webhookUrlProblem(input.url, deps.allowedHosts);
      if (urlProblem) problems.push(urlProblem);
      const unknown = input.eventTypes.filter((t) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
      if (input.eventTypes.length === 0) problems.push(`event_types: name at least one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
      if (unknown.length > 0) problems.push(`event_types: unknown ${unknown.join(', ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
      if (problems.length > 0) throw invalid(problems);
      const existing = await deps.store.list(organizationId);
      if (existing.length >= maxEndpoints) {
        throw new TollgateError('RESOURCE_LIMIT_EXCEEDED', {
          message: `The organization has ${existing.length} of ${maxEndpoints} webhook endpoints; delete one first.`,
          details: { limit_name: 'webhook_endpoints', current_count: existing.length, limit: maxEndpoints },
        });
      }
      const secret = generateWebhookSecret();
      const endpoint = await deps.store.create({
        id: deps.newId(),
        organizationId,
        url: input.url,
        eventTypes: [...new Set(input.eventTypes)],
        sealedSecret: seal.seal(secret),
        createdAt: deps.clock.now(),
      });
      return { endpoint, secret };
    },

    list: (organizationId: string) => deps.store.list(organizationId),

    async delete(organizationId: string, id: string): Promise<void> {
      if (!(await deps.store.delete(organizationId, id))) {
        throw new TollgateError('NOT_FOUND', { message: `No webhook endpoint with id "${id}" in this organization.`, details: { webhook_id: id } });
      }
    },

    /** The signing secret of an endpoint, for the dispatcher; null if it cannot be opened (another key secret). */
    secretOf: (endpoint: WebhookEndpoint): string | null => seal.open(endpoint.sealedSecret),
  };
}
