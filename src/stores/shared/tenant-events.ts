/**
 * The webhook events of tenant changes (pure): directories write them in the transaction of the
 * change (Outbox fan-out delivers them to endpoints that asked). Threshold events come from charges
 * (charge-outbox.ts), refusal summaries from the refusal counts (src/billing/refusal-summaries.ts).
 */
import type { Organization } from '../../core/tenants.js';
import type { OutboxEvent } from '../contract/index.js';


export interface RevokedKey {
  readonly id: string;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly prefix: string;
}

/** Why a key stopped working: revoked itself, minted by a key that was, or its namespace deleted. */
export type RevocationCause = 'revoked' | 'parent_revoked' | 'namespace_deleted';

/** One key.revoked per key that this change revoked (a key revoked before is not in `keys`). */
export function keyRevokedEvents(keys: readonly RevokedKey[], atMs: number, causeOf: (key: RevokedKey) => RevocationCause): OutboxEvent[] {
  return keys.map((key) => ({
    dedupKey: `key.revoked:${key.id}`,
    organizationId: key.organizationId,
    topic: 'webhook',
    type: 'key.revoked',
    payload: { api_key_id: key.id, prefix: key.prefix, organization_id: key.organizationId, namespace_id: key.namespaceId, cause: causeOf(key), revoked_at: new Date(atMs).toISOString() },
    atMs,
    availableAtMs: atMs,
  }));
}

/** plan.changed when an update moves the organization to another tier, status or billing mode; none otherwise. */
export function planChangedEvents(before: Organization, after: Organization, atMs: number): OutboxEvent[] {
  const [b, a] = [before.subscription, after.subscription];
  if (b.tier === a.tier && b.status === a.status && b.meteredBilling === a.meteredBilling) return [];
  return [
    {
      dedupKey: `plan.changed:${after.id}:${atMs}:${b.tier}/${b.status}/${b.meteredBilling}->${a.tier}/${a.status}/${a.meteredBilling}`,
      organizationId: after.id,
      topic: 'webhook',
      type: 'plan.changed',
      payload: {
        organization_id: after.id,
        previous: { plan_tier: b.tier, status: b.status, metered_billing: b.meteredBilling },
        current: { plan_tier: a.tier, status: a.status, metered_billing: a.meteredBilling },
        changed_at: new Date(atMs).toISOString(),
      },
      atMs,
      availableAtMs: atMs,
    },
  ];
}
