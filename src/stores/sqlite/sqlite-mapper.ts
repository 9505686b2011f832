/**
 * SQLite's side of the row mapping: an organization's columns for writing. Reading rows back is
 * shared with PostgreSQL (src/stores/shared/record-rows.ts).
 */
import type { Organization } from '../../core/tenants.js';
import type { Row } from '../shared/record-rows.js';

export { fromKey, toApiKey, toEvent, toFeedback, toInteraction, toKey, toMemory, toNamespace, toOrganization, toRefusal, toRollup, toUser, toWorkspace, type Row } from '../shared/record-rows.js';

export function organizationColumns(org: Organization): Row {
  const s = org.subscription;
  return {
    id: org.id,
    name: org.name,
    subscription_id: s.id,
    plan_tier: s.tier,
    subscription_status: s.status,
    trial_ends_at: s.trialEndsAt,
    metered_billing: s.meteredBilling ? 1 : 0,
    enforcement: s.enforcement,
    billing_customer_id: s.billingCustomerId,
    billing_anchor_day: s.billingAnchorDay,
    rate_limits: JSON.stringify(org.rateLimits),
    default_namespace_id: org.defaultNamespaceId,
    workspace_id: org.workspaceId,
    company_id: org.companyId,
    owner_user_id: org.ownerUserId,
    created_at: org.createdAt,
  };
}
