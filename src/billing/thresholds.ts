/**
 * Threshold crossings of one charge (pure): which limits this charge took past 80 %, 95 %, 100 %
 * (or any percentages set), computed once from the counters the store returned.
 *
 * The rule: a threshold of a counter is crossed by the charge that moves the counter from below its
 * point to at or above it (usedBefore < point <= usedAfter). Stores serialise increments of one
 * counter, so each counter value is passed by exactly one charge: concurrent charges cannot both
 * cross one threshold.
 *
 * Sent once per period per threshold: a refund can lower a counter and a later charge cross the same
 * point again (usage teetering at the limit). Both crossings carry the same `dedupKey` — period,
 * scope, interaction type, threshold — and the outbox keeps the first event with a key and ignores
 * any later one, so an endpoint hears of each threshold at most once per period.
 */
import type { InteractionType } from '../core/catalogue.js';
import { thresholdDedupKey, thresholdPoint } from '../core/thresholds.js';
export { DEFAULT_THRESHOLD_PERCENTS, parseThresholdPercents, thresholdDedupKey, thresholdPoint } from '../core/thresholds.js';
import { DEFAULT_THRESHOLD_PERCENTS } from '../core/thresholds.js';
import type { ChargeRequest, ScopeKind } from '../stores/contract/index.js';


/** One counter of a charge, as the store's answer gives it. */
export interface ThresholdLine {
  readonly scope: ScopeKind;
  readonly scopeId: string;
  readonly type: InteractionType;
  readonly usedBefore: number;
  readonly usedAfter: number;
  /** The hard limit, or under metered billing the included amount; null (unlimited) has no threshold. */
  readonly limit: number | null;
}

export interface ChargeFigures {
  readonly chargeId: string;
  readonly organizationId: string;
  readonly operation: string;
  /** The period key of the counters ("2026-11", or a cycle's first day). */
  readonly periodKey: string;
  readonly atMs: number;
  readonly lines: readonly ThresholdLine[];
}

export interface ThresholdCrossing {
  /** period, scope, type and threshold: the outbox keeps one event per key. */
  readonly dedupKey: string;
  readonly chargeId: string;
  readonly organizationId: string;
  readonly operation: string;
  readonly periodKey: string;
  readonly atMs: number;
  readonly scope: ScopeKind;
  readonly scopeId: string;
  readonly type: InteractionType;
  readonly thresholdPercent: number;
  /** The counter value at which the threshold is reached: the least used with used/limit >= percent. */
  readonly point: number;
  readonly usedBefore: number;
  readonly used: number;
  readonly limit: number;
  /** used / limit, in percent, to two decimals. */
  readonly percentUsed: number;
}

/**
 * Every crossing of this charge, one per (line, threshold), in line order then ascending threshold.
 * `percents` must have passed parseThresholdPercents.
 */
export function findThresholdCrossings(charge: ChargeFigures, percents: readonly number[] = DEFAULT_THRESHOLD_PERCENTS): ThresholdCrossing[] {
  const crossings: ThresholdCrossing[] = [];
  for (const line of charge.lines) {
    if (line.limit === null || line.limit <= 0 || line.usedAfter <= line.usedBefore) continue;
    for (const percent of percents) {
      const point = thresholdPoint(line.limit, percent);
      if (!(line.usedBefore < point && point <= line.usedAfter)) continue;
      crossings.push({
        dedupKey: thresholdDedupKey(charge.periodKey, line, percent),
        chargeId: charge.chargeId,
        organizationId: charge.organizationId,
        operation: charge.operation,
        periodKey: charge.periodKey,
        atMs: charge.atMs,
        scope: line.scope,
        scopeId: line.scopeId,
        type: line.type,
        thresholdPercent: percent,
        point,
        usedBefore: line.usedBefore,
        used: line.usedAfter,
        limit: line.limit,
        percentUsed: Math.round((line.usedAfter / line.limit) * 10_000) / 100,
      });
    }
  }
  return crossings;
}


/**
 * The threshold lines of a granted charge: one per interaction counter that has a limit (or, with
 * `included`, an included amount for a line the ledger does not limit), used before = after − amount.
 * `usedAfter` is the store's `used` (one value per request line); `included[i]`, when given, stands
 * for line i's limit (metered billing: the organization's line counts without a limit).
 */
export function thresholdLinesOf(request: ChargeRequest, usedAfter: readonly number[], included: readonly (number | null)[] = []): ThresholdLine[] {
  return request.lines.flatMap((line, index) => {
    const metric = line.counter.metric;
    if (metric !== 'mini' && metric !== 'premium') return [];
    const after = usedAfter[index];
    if (after === undefined) return [];
    return [{ scope: line.counter.scope, scopeId: line.counter.scopeId, type: metric, usedBefore: after - line.amount, usedAfter: after, limit: line.limit ?? included[index] ?? null }];
  });
}
