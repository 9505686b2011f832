import type { InteractionType } from '../core/catalogue.js';
import { dayOf, type Period } from '../core/periods.js';
import type { InteractionLog, RollupRow } from '../stores/contract/index.js';

export const USAGE_DIMENSIONS = ['operation_type', 'namespace', 'api_key', 'day', 'type'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageGroup {
  readonly key: string;
  /** Interactions charged (after refunds). */
  readonly count: number;
  /** Calls charged, including zero-cost ones. */
  readonly calls: number;
  /** Calls refused by a limit. */
  readonly refused: number;
}

/** One key's usage split by interaction type (each type is limited on its own). */
export interface TypedUsageGroup {
  readonly key: string;
  readonly mini: UsageGroup;
  readonly premium: UsageGroup;
}

/** The dimensions whose groups are also kept split by interaction type. */
export const TYPED_DIMENSIONS = ['namespace', 'api_key', 'day'] as const;
export type TypedDimension = (typeof TYPED_DIMENSIONS)[number];

export interface UsageQuery {
  readonly organizationId: string;
  readonly period: Period;
  readonly namespaceId?: string;
  readonly apiKeyId?: string;
}

export interface UsageSummary {
  readonly organizationId: string;
  readonly period: Period;
  readonly totals: Readonly<Record<InteractionType, UsageGroup>>;
  readonly refused: number;
  /** Refused calls by reason ("quota:organization", "rate", "subscription:past_due", …), most first. */
  readonly refusedByReason: readonly { readonly reason: string; readonly calls: number }[];
  readonly groups: Readonly<Record<UsageDimension, UsageGroup[]>>;
  /** Namespaces, keys and days split by interaction type: the figures their own limits count. */
  readonly typedGroups: Readonly<Record<TypedDimension, TypedUsageGroup[]>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A period's usage of an organization, from the daily rollups (written in the same transaction as
 * the counters and Interaction records, so the three always agree), grouped by every dimension.
 */
export async function summarizeUsage(log: InteractionLog, query: UsageQuery): Promise<UsageSummary> {
  const range = {
    organizationId: query.organizationId,
    fromDay: dayOf(query.period.startMs),
    toDay: dayOf(query.period.endMs - DAY_MS),
    ...(query.namespaceId !== undefined ? { namespaceId: query.namespaceId } : {}),
    ...(query.apiKeyId !== undefined ? { apiKeyId: query.apiKeyId } : {}),
  };
  const [rows, refusals] = await Promise.all([log.rollups(range), log.refusals(range)]);
  const byReason = new Map<string, number>();
  for (const r of refusals) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + r.count);
  const pickers: Record<UsageDimension, (row: RollupRow) => string> = {
    operation_type: (r) => r.operation,
    namespace: (r) => r.namespaceId ?? '',
    api_key: (r) => r.apiKeyId,
    day: (r) => r.day,
    type: (r) => r.type,
  };
  const groups = Object.fromEntries(USAGE_DIMENSIONS.map((d) => [d, groupRows(rows, pickers[d])])) as Record<UsageDimension, UsageGroup[]>;
  const typedGroups = Object.fromEntries(TYPED_DIMENSIONS.map((d) => [d, groupRowsByType(rows, pickers[d])])) as Record<TypedDimension, TypedUsageGroup[]>;
  const byType = new Map(groups.type.map((g) => [g.key, g]));
  return {
    organizationId: query.organizationId,
    period: query.period,
    totals: { mini: byType.get('mini') ?? emptyGroup('mini'), premium: byType.get('premium') ?? emptyGroup('premium') },
    refused: rows.reduce((s, r) => s + r.refused, 0),
    refusedByReason: [...byReason].map(([reason, calls]) => ({ reason, calls })).sort((a, b) => b.calls - a.calls || a.reason.localeCompare(b.reason)),
    groups,
    typedGroups,
  };
}

export function groupRows(rows: readonly RollupRow[], pick: (row: RollupRow) => string): UsageGroup[] {
  const map = new Map<string, { count: number; calls: number; refused: number }>();
  for (const row of rows) {
    const key = pick(row);
    const group = map.get(key) ?? { count: 0, calls: 0, refused: 0 };
    group.count += row.count;
    group.calls += row.calls;
    group.refused += row.refused;
    map.set(key, group);
  }
  return [...map].map(([key, g]) => ({ key, ...g })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** groupRows, with each group split into its mini and premium part. */
export function groupRowsByType(rows: readonly RollupRow[], pick: (row: RollupRow) => string): TypedUsageGroup[] {
  const parts = groupRows(rows, (row) => `${row.type}:${pick(row)}`);
  const map = new Map<string, { key: string; mini: UsageGroup; premium: UsageGroup }>();
  for (const part of parts) {
    const split = part.key.indexOf(':');
    const type = part.key.slice(0, split) as InteractionType;
    const key = part.key.slice(split + 1);
    const entry = map.get(key) ?? { key, mini: emptyGroup(key), premium: emptyGroup(key) };
    entry[type] = { ...part, key };
    map.set(key, entry);
  }
  return [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function emptyGroup(key: string): UsageGroup {
  return { key, count: 0, calls: 0, refused: 0 };
}
