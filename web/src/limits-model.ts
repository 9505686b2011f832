/**
 * Which limits the page draws as bars: for each interaction type, every scope in view that has a
 * limit of its own — the organization (when the whole organization is in view), each namespace
 * with an override, each key with a monthly cap — each against its own usage.
 */
import { levelOf, type Level } from './levels.js';
import { INTERACTION_TYPES, type InteractionType, type UsageReport } from './types.js';

export interface LimitBar {
  readonly id: string;
  readonly scope: 'organization' | 'namespace' | 'api_key';
  readonly name: string;
  readonly type: InteractionType;
  readonly used: number;
  /** Null: no limit (shown as unlimited, without a bar). */
  readonly limit: number | null;
  readonly level: Level;
}

export interface LimitColumn {
  readonly type: InteractionType;
  readonly bars: LimitBar[];
  /** The organization's limit when only part of it is in view (its usage is not). */
  readonly organizationLimit: number | null;
}

const bar = (id: string, scope: LimitBar['scope'], name: string, type: InteractionType, used: number, limit: number | null): LimitBar => ({
  id,
  scope,
  name,
  type,
  used,
  limit,
  level: limit === null ? 'ok' : levelOf(used, limit),
});

export function limitColumns(report: UsageReport): LimitColumn[] {
  return INTERACTION_TYPES.map((type) => {
    const bars: LimitBar[] = [];
    const wholeOrganization = report.scope === 'organization';
    if (wholeOrganization) bars.push(bar(report.organization_id, 'organization', 'Organization', type, report.interactions[type].used, report.limits[type].organization));
    for (const ns of report.namespaces) {
      const own = ns.interactions[type];
      if (own.limit !== null) bars.push(bar(ns.namespace_id, 'namespace', ns.name ?? ns.namespace_id, type, own.used, own.limit));
    }
    for (const key of report.api_keys) {
      const own = key.interactions[type];
      if (own.limit !== null) bars.push(bar(key.api_key_id, 'api_key', key.name ?? key.api_key_id, type, own.used, own.limit));
    }
    return { type, bars, organizationLimit: wholeOrganization ? null : report.limits[type].organization };
  });
}
