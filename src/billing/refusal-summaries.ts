/**
 * usage.refused, summarised: never one event per refused call (a tenant hammering a limit would
 * turn Tollgate into an amplifier), but at most one per organization per summary interval, saying
 * how many calls were refused since the last one and why.
 *
 * The counts come from the refusal totals the ledger keeps per day (committed with each refusal),
 * so nothing is added to the refusal path. Summaries of one organization and day form a chain: each
 * covers the day's refusals from where the previous one ended (`from_total`) to the total now, and
 * its dedup key is that starting point. Two processes summarising at once compute the same key, and
 * the outbox keeps one: the chain neither overlaps nor skips.
 */
import { dayOf } from '../core/periods.js';
import type { Clock } from '../core/ports.js';
import type { InteractionLog, Outbox, OutboxEvent, RefusalRow, WebhookEndpoints } from '../stores/contract/index.js';

const DAY_MS = 86_400_000;
/** Refusals of a day that are counted after midnight (a group committing late) still get summarised for a while. */
const LATE_DAY_MS = 10 * 60_000;

export interface RefusalSummaryState {
  /** The day's total the last summary reached, and its totals per reason. */
  readonly toTotal: number;
  readonly byReason: Readonly<Record<string, number>>;
  readonly untilMs: number | null;
}

/** The next summary of an organization's day, or null when nothing was refused since the last one. */
export function refusalSummaryEvent(organizationId: string, day: string, rows: readonly RefusalRow[], last: RefusalSummaryState | null, nowMs: number): OutboxEvent | null {
  const byReason: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    byReason[row.reason] = (byReason[row.reason] ?? 0) + row.count;
    total += row.count;
  }
  const fromTotal = last?.toTotal ?? 0;
  if (total <= fromTotal) return null;
  const since: Record<string, number> = {};
  for (const [reason, count] of Object.entries(byReason)) {
    const before = last?.byReason[reason] ?? 0;
    if (count > before) since[reason] = count - before;
  }
  return {
    dedupKey: `usage.refused:${organizationId}:${day}:${fromTotal}`,
    organizationId,
    topic: 'webhook',
    type: 'usage.refused',
    payload: {
      organization_id: organizationId,
      day,
      refused: total - fromTotal,
      by_reason: since,
      from_total: fromTotal,
      to_total: total,
      day_by_reason: byReason,
      since: last?.untilMs ? new Date(last.untilMs).toISOString() : `${day}T00:00:00.000Z`,
      until: new Date(nowMs).toISOString(),
    },
    atMs: nowMs,
    availableAtMs: nowMs,
  };
}

/** Writes the summaries due now for every organization with an endpoint asking for usage.refused; returns how many were written. */
export async function summarizeRefusals(deps: { log: Pick<InteractionLog, 'refusals'>; outbox: Outbox; webhooks: Pick<WebhookEndpoints, 'organizationsWanting'>; clock: Clock }): Promise<number> {
  const now = deps.clock.now();
  const days = [dayOf(now)];
  if (now % DAY_MS < LATE_DAY_MS) days.unshift(dayOf(now - DAY_MS));
  let written = 0;
  for (const organizationId of await deps.webhooks.organizationsWanting('usage.refused')) {
    const previous = await deps.outbox.list({ organizationId, type: 'usage.refused', limit: 50 });
    for (const day of days) {
      const rows = await deps.log.refusals({ organizationId, fromDay: day, toDay: day });
      const event = refusalSummaryEvent(organizationId, day, rows, lastOf(previous.filter((e) => e.payload.day === day).map((e) => e.payload)), now);
      if (event) written += await deps.outbox.enqueue([event]);
    }
  }
  return written;
}

function lastOf(payloads: readonly Readonly<Record<string, unknown>>[]): RefusalSummaryState | null {
  let last: RefusalSummaryState | null = null;
  for (const p of payloads) {
    const toTotal = Number(p.to_total);
    if (last === null || toTotal > last.toTotal) {
      last = { toTotal, byReason: (p.day_by_reason ?? {}) as Record<string, number>, untilMs: typeof p.until === 'string' ? Date.parse(p.until) : null };
    }
  }
  return last;
}
