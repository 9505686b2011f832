/** The wire shapes the dashboard reads: the server's own types, so the two cannot drift apart. */
import type { UsageReport } from '../../src/analytics/index.js';
import type { toOrganizationJson } from '../../src/http/routes/tenancy-mapper.js';
import type { toOutboxJson } from '../../src/http/routes/outbox-mapper.js';
import type { toWebhookJson } from '../../src/http/routes/webhook-mapper.js';

export type { UsageReport };
export type InteractionType = 'mini' | 'premium';
export const INTERACTION_TYPES: readonly InteractionType[] = ['mini', 'premium'];
export type TypeUsage = UsageReport['interactions'][InteractionType];
/** Under metered billing (null otherwise): per type, what the plan includes, what was used, the overage past it and the spending ceiling. */
export type BillingReport = NonNullable<UsageReport['billing']>;
export type TypeBilling = BillingReport[InteractionType];
export type NamespaceUsage = UsageReport['namespaces'][number];
export type ApiKeyUsage = UsageReport['api_keys'][number];
export type DayUsage = UsageReport['daily'][number];
export type OrganizationJson = ReturnType<typeof toOrganizationJson>;
export type WebhookEndpointJson = ReturnType<typeof toWebhookJson>;
export type OutboxEntryJson = ReturnType<typeof toOutboxJson>;
export type DeliveryState = OutboxEntryJson['state'];
