/**
 * Billing reconciliation: what Tollgate counted for an organization in a period, what its outbox
 * delivered as meter events, what is still waiting or dead-lettered, and what the billing provider
 * holds — with every difference named. The comparison is pure (compareBilling); gathering the
 * figures (reconcileBilling) reads the ledger, pages through the outbox and asks the provider.
 */
import { INTERACTION_TYPES, type InteractionType } from '../core/catalogue.js';
import type { Period } from '../core/periods.js';
import type { Organization } from '../core/tenants.js';
import type { Outbox, OutboxEntry, QuotaLedger } from '../stores/contract/index.js';
import { DEFAULT_METER_EVENT_NAMES, type MeterEventNames } from './meter-events.js';
import type { StripeMeterClient } from './stripe-meter-client.js';

export interface BillingFigures {
  /** The organization's counter for the type and period. */
  readonly counted: number;
  /** Meter events the outbox delivered (charges, less refunds; sums counted once, not their members). */
  readonly delivered: number;
  readonly pending: number;
  readonly failed: number;
  /** What the provider's meter holds for the customer in the period; null when it was not asked. */
  readonly provider: number | null;
}

export interface Reconciliation {
  readonly organizationId: string;
  readonly customerId: string | null;
  readonly period: string;
  readonly byType: Readonly<Record<InteractionType, BillingFigures>>;
  /** Every difference, in words; empty when everything agrees. */
  readonly differences: readonly string[];
}

/** One meter entry's signed amount: a charge adds, a refund takes back, a sum carries its total. */
function signedAmount(entry: OutboxEntry): number {
  const amount = Number(entry.payload.amount);
  return entry.payload.kind === 'refund' ? -amount : amount;
}

/** Sums meter entries of a period by type and state; merged entries are carried by their sum. */
export function tallyMeterEntries(entries: Iterable<OutboxEntry>, periodKey: string): Record<InteractionType, { delivered: number; pending: number; failed: number }> {
  const tally = Object.fromEntries(INTERACTION_TYPES.map((t) => [t, { delivered: 0, pending: 0, failed: 0 }])) as Record<InteractionType, { delivered: number; pending: number; failed: number }>;
  for (const entry of entries) {
    if (entry.topic !== 'meter' || entry.state === 'merged' || entry.payload.period !== periodKey) continue;
    const type = entry.type as InteractionType;
    if (!tally[type]) continue;
    tally[type][entry.state] += signedAmount(entry);
  }
  return tally;
}

export function compareBilling(input: { organizationId: string; customerId: string | null; period: string; byType: Record<InteractionType, BillingFigures> }): Reconciliation {
  const differences: string[] = [];
  for (const type of INTERACTION_TYPES) {
    const f = input.byType[type];
    const inOutbox = f.delivered + f.pending + f.failed;
    if (f.counted !== inOutbox) {
      differences.push(
        `${type}: ${f.counted} counted, ${inOutbox} in the outbox (${f.counted - inOutbox > 0 ? `${f.counted - inOutbox} never metered: usage before metered billing or a billing customer was set` : `${inOutbox - f.counted} more than counted`})`,
      );
    }
    if (f.pending !== 0) differences.push(`${type}: ${f.pending} not delivered yet (pending in the outbox)`);
    if (f.failed !== 0) differences.push(`${type}: ${f.failed} in dead letters (tollgate outbox list --state failed)`);
    if (f.provider !== null && f.provider !== f.delivered) differences.push(`${type}: the billing provider holds ${f.provider}, Tollgate delivered ${f.delivered}`);
  }
  return { organizationId: input.organizationId, customerId: input.customerId, period: input.period, byType: input.byType, differences };
}

/** Gathers the figures of one organization and period and compares them. */
export async function reconcileBilling(deps: {
  ledger: Pick<QuotaLedger, 'readCounters'>;
  outbox: Pick<Outbox, 'list'>;
  provider: Pick<StripeMeterClient, 'summarize'> | null;
  eventNames?: MeterEventNames;
  organization: Organization;
  period: Period;
}): Promise<Reconciliation> {
  const { organization: org, period } = deps;
  const counted = await deps.ledger.readCounters(INTERACTION_TYPES.map((type) => ({ scope: 'organization', scopeId: org.id, metric: type, period: period.key, organizationId: org.id })));
  const entries: OutboxEntry[] = [];
  const PAGE = 1000;
  for (let offset = 0; ; offset += PAGE) {
    const page = await deps.outbox.list({ organizationId: org.id, topic: 'meter', limit: PAGE, offset });
    entries.push(...page);
    if (page.length < PAGE) break;
  }
  const tally = tallyMeterEntries(entries, period.key);
  const customerId = org.subscription.billingCustomerId;
  const names = deps.eventNames ?? DEFAULT_METER_EVENT_NAMES;
  const byType = {} as Record<InteractionType, BillingFigures>;
  for (const [i, type] of INTERACTION_TYPES.entries()) {
    const provider =
      deps.provider && customerId ? await deps.provider.summarize(customerId, names[type], Math.floor(period.startMs / 1000), Math.ceil(period.endMs / 1000)) : null;
    byType[type] = { counted: counted[i]!, ...tally[type], provider };
  }
  return compareBilling({ organizationId: org.id, customerId, period: period.key, byType });
}
