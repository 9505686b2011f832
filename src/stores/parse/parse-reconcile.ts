import { periodOf } from '../../core/periods.js';
import type { Clock } from '../../core/ports.js';
import type { CounterRef, InteractionRecord, Store, TenantDirectory } from '../contract/index.js';
import type { ParseClient } from './parse-client.js';
import { INTERACTION_CLASS, toInteractionRecord } from './parse-mapper.js';

export interface ReconcileReport {
  /** Organizations whose counters were rebuilt from Parse. */
  readonly rebuilt: string[];
  /** Organizations left alone because the base store already records their current period. */
  readonly kept: string[];
  readonly countersRaised: number;
}

/**
 * Rebuilds the base store's quota counters from Parse's Interaction sums, so that a Tollgate that
 * starts on an empty base store (a first deployment, a lost or in-process store) enforces limits
 * from what Parse already counts, including records written before Tollgate.
 *
 * Per organization: its current period (UTC month or billing cycle) is looked up in Parse; if the
 * base store holds no Interaction record of that organization in that period, every counter the
 * period's records sum into (organization, namespace, API key × mini/premium) is raised to Parse's
 * sum. A base store that records the period is the truth and is not touched; counters are only
 * ever raised, never lowered.
 */
export async function reconcileCounters(deps: { client: ParseClient; base: Pick<Store, 'ledger' | 'log'>; directory: TenantDirectory; clock: Clock }): Promise<ReconcileReport> {
  const now = deps.clock.now();
  const current = periodOf(now);
  const previous = periodOf(current.startMs - 1);
  const records: InteractionRecord[] = [];
  for (const { month, year } of [previous, current]) {
    const found = await deps.client.findAll(INTERACTION_CLASS, { month, year }, ['organization', 'namespace', 'apiKey', 'type', 'count', 'month', 'year']);
    records.push(...found.map(toInteractionRecord));
  }
  const byOrganization = new Map<string, InteractionRecord[]>();
  for (const r of records) if (r.organizationId) byOrganization.set(r.organizationId, [...(byOrganization.get(r.organizationId) ?? []), r]);

  const report = { rebuilt: [] as string[], kept: [] as string[], countersRaised: 0 };
  for (const [organizationId, all] of byOrganization) {
    const org = await deps.directory.getOrganization(organizationId);
    const period = periodOf(now, org?.subscription.billingAnchorDay ?? null);
    const inPeriod = all.filter((r) => r.month === period.month && r.year === period.year);
    if (inPeriod.length === 0) continue;
    if ((await deps.base.log.interactions({ organizationId, month: period.month, year: period.year })).length > 0) {
      report.kept.push(organizationId);
      continue;
    }
    const sums = new Map<string, { ref: CounterRef; sum: number }>();
    const add = (scope: CounterRef['scope'], scopeId: string | null, r: InteractionRecord) => {
      if (!scopeId) return;
      const ref: CounterRef = { scope, scopeId, metric: r.type, period: period.key };
      const key = `${scope}\u0000${scopeId}\u0000${r.type}`;
      const entry = sums.get(key) ?? { ref, sum: 0 };
      entry.sum += r.count;
      sums.set(key, entry);
    };
    for (const r of inPeriod) {
      add('organization', r.organizationId, r);
      add('namespace', r.namespaceId, r);
      add('api_key', r.apiKeyId, r);
    }
    const entries = [...sums.values()];
    const used = await deps.base.ledger.readCounters(entries.map((e) => e.ref));
    const raises = entries.map((e, i) => ({ counter: e.ref, amount: e.sum - used[i]! })).filter((line) => line.amount > 0);
    if (raises.length > 0) await deps.base.ledger.adjust(raises);
    report.rebuilt.push(organizationId);
    report.countersRaised += raises.length;
  }
  return report;
}
