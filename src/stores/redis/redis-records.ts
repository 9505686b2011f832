/**
 * How a stream entry becomes records again. ledger.lua stores a group's description as it is
 * (field d, written by redis-group.ts) beside what it decided for each job (field o, one token per
 * job, space-separated): `g` granted, `g:<used after>:<remaining>:<reset>:<limit>` granted with an
 * idempotency key (what a replay answers: the state of the window that speaks for the charge's
 * windows) or that crossed a threshold (the counters after it, from which the sink finds the
 * thresholds it crossed: chargeOutboxEvents), `r<line>` refused by a line (r-1: by a minute window),
 * `f` refunded, `x` refusal recorded, `a` adjusted, `-` nothing to record (a replay, a conflict, a
 * second refund).
 *
 * The description is one JSON array: what the group's jobs share, each once (attributions,
 * counters, periods with their day, minute-window rules, line sets), then the jobs referring to
 * them by 0-based index, so a charge takes about a hundred bytes, mostly its id; last, the requests'
 * outbox specs (ChargeRequest.outbox), from which the sink writes their outbox entries
 * (chargeOutboxEvents) in the transaction that applies the entry.
 */
import type { AdjustLine, Attribution, ChargeOutbox, ChargeRequest, CounterRef, LedgerRecord, RecordEntry, RefusalRecord } from '../contract/index.js';

export type AttributionRow = [string, string | null, string, string | null, string | null, string | null, string | null, string, Attribution['type']];
export type CounterRow = [CounterRef['scope'], string, CounterRef['metric'], string];
export type ContextRow = [periodKey: string, month: number, year: number, day: string];
export type RateRow = [key: string, limit: number, windowMs: number];
/**
 * kind, id, atMs, context, attribution, cost, line set, minute-window rules, idempotency (key,
 * fingerprint, expiry) or 0, then the request's outbox spec when it has one. Entries written before
 * a charge had several windows hold one rule or -1.
 */
type RequestRow = ['c' | 'r', string, number, number, number, number, number, number[] | number, [string, string, number] | 0, number?];
type RefusalRow = ['f', string, number, string, number, number, string];
type AdjustRow = ['a', number];
export type JobRow = RequestRow | RefusalRow | AdjustRow;
/** Line sets are flat (counter, amount, limit or null) triples. Entries written before the outbox have no outbox specs. */
export type GroupRow = [AttributionRow[], CounterRow[], ContextRow[], RateRow[], (number | string | null)[][], JobRow[], ChargeOutbox[]?];

/**
 * A spec as a record keeps it (its JSON, as it is: whatever the spec holds reaches the sink), and
 * whether it reports thresholds, with their points for ledger.lua: the number of lines, then per
 * line how many and each.
 */
export interface OutboxSpecRow {
  readonly json: string;
  readonly thresholds: boolean;
  readonly points: readonly number[];
}

const outboxRows = new WeakMap<ChargeOutbox, OutboxSpecRow | null>();

/**
 * A request's outbox spec as its record keeps it, and whether it reports thresholds (the record of
 * a charge that crossed one then keeps its counters after it); null when it writes nothing. Once
 * per spec object: the engine hands the same one to every call of a tenant and type.
 */
export function outboxRowOf(outbox: ChargeOutbox): OutboxSpecRow | null {
  let row = outboxRows.get(outbox);
  if (row === undefined) {
    const thresholds = outbox.marks.some((marks) => marks.length > 0);
    const points = [outbox.marks.length, ...outbox.marks.flatMap((marks) => [marks.length, ...marks.map((m) => m.point)])];
    row = thresholds || outbox.meter ? { json: JSON.stringify(outbox), thresholds, points } : null;
    outboxRows.set(outbox, row);
  }
  return row;
}


const toAttribution = (r: AttributionRow): Attribution => ({
  organizationId: r[0],
  namespaceId: r[1],
  apiKeyId: r[2],
  userId: r[3],
  workspaceId: r[4],
  subscriptionId: r[5],
  companyId: r[6],
  operation: r[7],
  type: r[8],
});

/** The records of a group, from its description and the outcome tokens ledger.lua gave each job. */
export function recordsOf(organizationId: string, description: string, outcomes: string): LedgerRecord[] {
  const [attributionRows, counterRows, contexts, rates, setRows, jobs, outboxes = []] = JSON.parse(description) as GroupRow;
  // Shared objects: the fold caches its keys per attribution and counter object.
  const attributions = attributionRows.map(toAttribution);
  const counters = counterRows.map(([scope, scopeId, metric, period]): CounterRef => ({ scope, scopeId, metric, period, organizationId }));
  const sets = setRows.map((flat) => {
    const lines: { counter: CounterRef; amount: number; limit: number | null }[] = [];
    for (let i = 0; i < flat.length; i += 3) lines.push({ counter: counters[flat[i] as number]!, amount: flat[i + 1] as number, limit: flat[i + 2] as number | null });
    return lines;
  });
  const periods = contexts.map(([key, month, year]) => ({ key, month, year }));
  const rules = rates.map(([key, limit, windowMs]) => ({ key, limit, windowMs }));
  const toRequest = ([, id, atMs, context, attribution, cost, set, rates, idem, outbox]: RequestRow): ChargeRequest => ({
    id,
    atMs,
    period: periods[context]!,
    day: contexts[context]![3],
    attribution: attributions[attribution]!,
    cost,
    lines: sets[set]!,
    rates: typeof rates === 'number' ? (rates >= 0 ? [rules[rates]!] : []) : rates.map((i) => rules[i]!),
    idempotency: idem === 0 ? null : { key: idem[0], fingerprint: idem[1], expiresAtMs: idem[2] },
    outbox: outbox === undefined ? null : outboxes[outbox]!,
  });

  const records: LedgerRecord[] = [];
  outcomes.split(' ').forEach((token, i) => {
    if (token === '-') return;
    const row = jobs[i]!;
    switch (row[0]) {
      case 'c': {
        const request = toRequest(row);
        if (token[0] === 'r') {
          const by = Number(token.slice(1));
          records.push({ kind: 'refused', request, refusedBy: by < 0 ? 'rate' : by });
        } else if (token === 'g') {
          records.push({ kind: 'granted', request, result: null });
        } else {
          const [, used, remaining, reset, limit] = token.split(':');
          // A token written before a charge had several windows ends at the reset: its window's limit is the rule's.
          const told = limit === undefined ? request.rates[0]?.limit : limit === '' ? undefined : Number(limit);
          const rate = told === undefined ? null : { limit: told, remaining: Number(remaining), resetAtMs: Number(reset), retryAfterMs: 0 };
          records.push({ kind: 'granted', request, result: { outcome: 'granted', chargeId: request.id, replayed: false, used: used ? used.split(',').map(Number) : [], rate } });
        }
        return;
      }
      case 'r':
        records.push({ kind: 'refund', request: toRequest(row) });
        return;
      case 'f': {
        const [, id, atMs, day, attribution, cost, reason] = row;
        const refusal: RefusalRecord = { id, atMs, day, attribution: attributions[attribution]!, cost, reason };
        records.push({ kind: 'refusal', refusal });
        return;
      }
      case 'a': {
        const lines: AdjustLine[] = sets[row[1]]!.map(({ counter, amount }) => ({ counter, amount }));
        records.push({ kind: 'adjust', organizationId, lines });
        return;
      }
    }
  });
  return records;
}

/** A stream entry (as XRANGE answers it: id, then field, value, …) as the sink takes it. */
export function entryOf(organizationId: string, id: string, fields: readonly string[]): RecordEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  const value = (name: string) => values.get(name) ?? '';
  return { organizationId, source: value('e'), position: id, records: recordsOf(organizationId, value('d'), value('o')) };
}
