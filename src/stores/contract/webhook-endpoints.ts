/** Webhook endpoints of organizations. Part of the store contract (index.ts). */

export interface WebhookEndpoint {
  readonly id: string;
  readonly organizationId: string;
  /** Where deliveries are POSTed: an http(s) URL the service checked against the allowed hosts. */
  readonly url: string;
  /** The event types delivered there (src/billing/webhook-events.ts). */
  readonly eventTypes: readonly string[];
  /** The signing secret, sealed under the server's key secret: never stored in the clear. */
  readonly sealedSecret: string;
  readonly createdAt: number;
}

/** An organization's endpoints; another organization's are "not found" for every method. */
export interface WebhookEndpoints {
  create(endpoint: WebhookEndpoint): Promise<WebhookEndpoint>;
  /** Oldest first. */
  list(organizationId: string): Promise<WebhookEndpoint[]>;
  get(organizationId: string, id: string): Promise<WebhookEndpoint | null>;
  /** True when it existed. */
  delete(organizationId: string, id: string): Promise<boolean>;
  /** The organizations with at least one endpoint that asked for this event type. */
  organizationsWanting(eventType: string): Promise<string[]>;
}
