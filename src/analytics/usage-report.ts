import { INTERACTION_TYPES, type InteractionType } from '../core/catalogue.js';
import { resolveLimits, tightest } from '../core/limit-resolution.js';
import { periodOf, periodStartingIn } from '../core/periods.js';
import type { Plans } from '../core/plans.js';
import type { Clock } from '../core/ports.js';
import { NO_CAP, type ApiKey, type Namespace, type Organization } from '../core/tenants.js';
import type { InteractionLog } from '../stores/contract/index.js';
import { dailySeries } from './usage-daily.js';
import type { UsageView } from './usage-access.js';
import { apiKeySection, namespaceSection, type ScopeDirectory } from './usage-scopes.js';
import { summarizeUsage, type UsageGroup } from './usage-summary.js';

export interface UsageReportRequest {
  readonly organization: Organization;
  /** Narrow to one namespace or one key (of this organization). */
  readonly namespace?: Namespace | null;
  readonly apiKey?: ApiKey | null;
  /** Whose key details the report shows (resolveUsageView); all when absent (the operator). */
  readonly keyDetails?: UsageView['keyDetails'];
  /** The period starting in this month; the current period when absent. */
  readonly month?: { readonly year: number; readonly month: number } | null;
  /** The page of each per-namespace and per-key list; the first DEFAULT_PAGE entries when absent. */
  readonly page?: { readonly offset?: number | undefined; readonly limit?: number | undefined };
}

/** Entries of each per-namespace and per-key list a report carries unless asked for another page. */
export const DEFAULT_PAGE = 100;

/** What a report covers: the whole organization, one namespace, or one key. */
export type UsageScope = 'organization' | 'namespace' | 'api_key';

const groupJson = (name: string) => (g: UsageGroup) => ({ [name]: g.key || null, interactions: g.count, calls: g.calls, refused: g.refused });

/**
 * The usage of an organization (or one of its namespaces or keys) in a period, with the limits
 * that apply to that scope — the body of GET /v1/usage and the figures the dashboard shows.
 */
export function createUsageReports(deps: { log: InteractionLog; directory: ScopeDirectory; plans: Plans; clock: Clock }) {
  return {
    async report(request: UsageReportRequest) {
      const { organization: org, namespace = null, apiKey = null } = request;
      const anchor = org.subscription.billingAnchorDay;
      const now = deps.clock.now();
      const period = request.month ? periodStartingIn(request.month.year, request.month.month, anchor) : periodOf(now, anchor);
      const summary = await summarizeUsage(deps.log, {
        organizationId: org.id,
        period,
        ...(namespace ? { namespaceId: namespace.id } : {}),
        ...(apiKey ? { apiKeyId: apiKey.id } : {}),
      });
      const view = { organizationId: org.id, namespace, apiKey, keyDetails: request.keyDetails ?? 'all' };
      const [namespaces, apiKeys] = await Promise.all([
        namespaceSection(deps.directory, view, summary.typedGroups.namespace),
        apiKeySection(deps.directory, view, summary.typedGroups.api_key),
      ]);
      const limits = resolveLimits(
        deps.plans,
        {
          subscription: org.subscription,
          organizationOverrides: org.rateLimits,
          namespaceOverrides: namespace?.rateLimits ?? null,
          apiKeyCap: apiKey?.monthlyCap ?? NO_CAP,
        },
        now,
      );
      const scope: UsageScope = apiKey ? 'api_key' : namespace ? 'namespace' : 'organization';
      const limitFor = (type: InteractionType): number | null => {
        if (!limits.ok) return null;
        const l = limits.value.monthly[type];
        return tightest({ organization: l.organization, namespace: scope === 'organization' ? null : l.namespace, apiKey: scope === 'api_key' ? l.apiKey : null });
      };
      const scopeLimits = (type: InteractionType) => {
        const l = limits.ok ? limits.value.monthly[type] : null;
        return { organization: l?.organization ?? null, namespace: namespace ? (l?.namespace ?? null) : null, api_key: apiKey ? (l?.apiKey ?? null) : null };
      };
      const interactions = (type: InteractionType) => {
        const used = summary.totals[type].count;
        const limit = limitFor(type);
        return { used, calls: summary.totals[type].calls, limit, remaining: limit === null ? null : Math.max(0, limit - used) };
      };
      // Under metered billing the organization's monthly limit is an included amount: what is used past
      // it is overage, billed, up to the spending ceiling when one is set. An organization figure, so
      // shown on the organization's report only.
      const billing =
        org.subscription.meteredBilling && scope === 'organization' && limits.ok
          ? Object.fromEntries(
              INTERACTION_TYPES.map((type) => {
                const included = limits.value.monthly[type].organization;
                const used = summary.totals[type].count;
                const ceiling = limits.value.billedCeiling[type];
                return [type, { included, used, overage: included === null ? 0 : Math.max(0, used - included), ceiling }];
              }),
            )
          : null;
      // An organization may have thousands of keys: each list is one page, with its total, so that an
      // answer stays small however large the organization is.
      const offset = request.page?.offset ?? 0;
      const limit = request.page?.limit ?? DEFAULT_PAGE;
      const lists = {
        namespaces,
        api_keys: apiKeys,
        by_namespace: summary.groups.namespace.map(groupJson('namespace_id')),
        by_api_key: summary.groups.api_key.map(groupJson('api_key_id')),
      };
      const paged = <T>(list: T[]) => list.slice(offset, offset + limit);
      return {
        organization_id: org.id,
        organization_name: org.name,
        scope,
        namespace_id: namespace?.id ?? null,
        api_key_id: apiKey?.id ?? null,
        period: { key: period.key, start: new Date(period.startMs).toISOString(), end: new Date(period.endMs).toISOString() },
        plan: {
          tier: limits.ok ? limits.value.tier : org.subscription.tier,
          is_trial: limits.ok ? limits.value.isTrial : false,
          subscription_status: org.subscription.status,
          metered_billing: org.subscription.meteredBilling,
        },
        interactions: { mini: interactions('mini'), premium: interactions('premium') },
        billing,
        by_operation_type: summary.groups.operation_type.map(groupJson('operation_type')),
        by_namespace: paged(lists.by_namespace),
        by_api_key: paged(lists.by_api_key),
        top_api_keys: topGroups(summary.groups.api_key, TOP_KEYS).map(groupJson('api_key_id')),
        by_day: summary.groups.day.map(groupJson('day')),
        by_type: summary.groups.type.map(groupJson('type')),
        refused: summary.refused,
        refused_by_reason: summary.refusedByReason,
        limits: { mini: scopeLimits('mini'), premium: scopeLimits('premium') },
        daily: dailySeries(period, now, summary.typedGroups.day),
        namespaces: paged(lists.namespaces),
        api_keys: paged(lists.api_keys),
        page: { offset, limit, totals: Object.fromEntries(Object.entries(lists).map(([name, list]) => [name, list.length])) as Record<keyof typeof lists, number> },
      };
    },

    /** Parse-style dashboard figures: the Interaction records of one pointer in a month, totalled and by operation_type. */
    async interactionTotals(filter: { organizationId?: string; namespaceId?: string; apiKeyId?: string; month: number; year: number }) {
      const records = await deps.log.interactions(filter);
      const breakdown: Record<string, number> = {};
      let total = 0;
      for (const r of records) {
        total += r.count;
        breakdown[r.operation] = (breakdown[r.operation] ?? 0) + r.count;
      }
      return { total, breakdown };
    },
  };
}

const TOP_KEYS = 5;

/** The groups that used the most interactions (then the most calls), best first. */
export function topGroups(groups: readonly UsageGroup[], count: number): UsageGroup[] {
  return [...groups].sort((a, b) => b.count - a.count || b.calls - a.calls || a.key.localeCompare(b.key)).slice(0, count);
}

export type UsageReports = ReturnType<typeof createUsageReports>;
export type UsageReport = Awaited<ReturnType<UsageReports['report']>>;
