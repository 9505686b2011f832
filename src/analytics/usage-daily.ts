import { dayOf, type Period } from '../core/periods.js';
import type { TypedUsageGroup } from './usage-summary.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every day of the period up to today (all of it for a past period, none for a future one), with
 * the interactions of each type, the calls and the refused calls of that day — zeros included, so
 * a chart needs no gap filling.
 */
export function dailySeries(period: Period, nowMs: number, days: readonly TypedUsageGroup[]) {
  const byDay = new Map(days.map((d) => [d.key, d]));
  const lastMs = Math.min(period.endMs, nowMs + 1);
  const series = [];
  for (let at = period.startMs; at < lastMs; at += DAY_MS) {
    const day = dayOf(at);
    const d = byDay.get(day);
    series.push({
      day,
      mini: d?.mini.count ?? 0,
      premium: d?.premium.count ?? 0,
      calls: (d?.mini.calls ?? 0) + (d?.premium.calls ?? 0),
      refused: (d?.mini.refused ?? 0) + (d?.premium.refused ?? 0),
    });
  }
  return series;
}
