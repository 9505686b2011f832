/**
 * How a job is described in the stream, and how an entry becomes records again. ledger.lua stores
 * the group's descriptions as they are (field d, one JSON array per line) beside what it decided
 * for each job (field o, one token per job, space-separated): `g:<used after>:<remaining>:<reset>`
 * granted, `r<line>` refused by a line (r-1: by the minute window), `f` refunded, `x` refusal
 * recorded, `a` adjusted, `-` nothing to record (a replay, a conflict, a second refund).
 */
import type { Attribution, ChargeRequest, CounterRef, LedgerRecord, RecordEntry, RefusalRecord } from '../contract.js';
import type { LedgerJob } from './redis-group.js';

type AttributionRow = [string, string | null, string, string | null, string | null, string | null, string | null, string, Attribution['type']];
type LineRow = [CounterRef['scope'], string, CounterRef['metric'], string, number, number | null];
type RequestRow = [
  kind: 'c' | 'r',
  id: string,
  atMs: number,
  periodKey: string,
  month: number,
  year: number,
  day: string,
  cost: number,
  attribution: AttributionRow,
  lines: LineRow[],
  rate: [string, number, number] | null,
  idempotency: [string, string, number] | null,
];
type RefusalRow = ['f', string, number, string, AttributionRow, number, string];
type AdjustRow = ['a', [CounterRef['scope'], string, CounterRef['metric'], string, number][]];

// The engine hands the same frozen attribution to every call of a tenant: its JSON is made once.
const attributionJson = new WeakMap<Attribution, string>();
function attributionOf(a: Attribution): string {
  let json = attributionJson.get(a);
  if (json === undefined) {
    json = JSON.stringify([a.organizationId, a.namespaceId, a.apiKeyId, a.userId, a.workspaceId, a.subscriptionId, a.companyId, a.operation, a.type]);
    attributionJson.set(a, json);
  }
  return json;
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

function describeRequest(kind: 'c' | 'r', r: ChargeRequest): string {
  const lines = r.lines.map((l) => [l.counter.scope, l.counter.scopeId, l.counter.metric, l.counter.period, l.amount, l.limit]);
  const rate = r.rate && [r.rate.key, r.rate.limit, r.rate.windowMs];
  const idem = r.idempotency && [r.idempotency.key, r.idempotency.fingerprint, r.idempotency.expiresAtMs];
  const p = r.period;
  return `["${kind}",${JSON.stringify(r.id)},${r.atMs},${JSON.stringify(p.key)},${p.month},${p.year},"${r.day}",${r.cost},${attributionOf(r.attribution)},${JSON.stringify(lines)},${JSON.stringify(rate)},${JSON.stringify(idem)}]`;
}

/** One line of the group's descriptions (JSON never holds a raw newline). */
export function describeJob(job: LedgerJob): string {
  switch (job.kind) {
    case 'charge':
      return describeRequest('c', job.request);
    case 'refund':
      return describeRequest('r', job.request);
    case 'refusal': {
      const f = job.refusal;
      return `["f",${JSON.stringify(f.id)},${f.atMs},"${f.day}",${attributionOf(f.attribution)},${f.cost},${JSON.stringify(f.reason)}]`;
    }
    case 'adjust':
      return JSON.stringify(['a', job.lines.map((l) => [l.counter.scope, l.counter.scopeId, l.counter.metric, l.counter.period, l.amount])]);
  }
}

function toRequest(row: RequestRow, organizationId: string): ChargeRequest {
  const [, id, atMs, key, month, year, day, cost, attribution, lines, rate, idem] = row;
  return {
    id,
    atMs,
    period: { key, month, year },
    day,
    attribution: toAttribution(attribution),
    cost,
    lines: lines.map(([scope, scopeId, metric, period, amount, limit]) => ({ counter: { scope, scopeId, metric, period, organizationId }, amount, limit })),
    rate: rate && { key: rate[0], limit: rate[1], windowMs: rate[2] },
    idempotency: idem && { key: idem[0], fingerprint: idem[1], expiresAtMs: idem[2] },
  };
}

/** The records of a group, from its descriptions and the outcome tokens ledger.lua gave each job. */
export function recordsOf(organizationId: string, descriptions: string, outcomes: string): LedgerRecord[] {
  const descs = descriptions.split('\n');
  const tokens = outcomes.split(' ');
  const records: LedgerRecord[] = [];
  tokens.forEach((token, i) => {
    if (token === '-') return;
    const row = JSON.parse(descs[i]!) as RequestRow | RefusalRow | AdjustRow;
    switch (row[0]) {
      case 'c': {
        const request = toRequest(row, organizationId);
        if (token.startsWith('r')) {
          const by = Number(token.slice(1));
          records.push({ kind: 'refused', request, refusedBy: by < 0 ? 'rate' : by });
          return;
        }
        const [, used, remaining, reset] = token.split(':');
        const rate = request.rate && { limit: request.rate.limit, remaining: Number(remaining), resetAtMs: Number(reset), retryAfterMs: 0 };
        const result = { outcome: 'granted', chargeId: request.id, replayed: false, used: used ? used.split(',').map(Number) : [], rate } as const;
        records.push({ kind: 'granted', request, result });
        return;
      }
      case 'r':
        records.push({ kind: 'refund', request: toRequest(row, organizationId) });
        return;
      case 'f': {
        const [, id, atMs, day, attribution, cost, reason] = row;
        const refusal: RefusalRecord = { id, atMs, day, attribution: toAttribution(attribution), cost, reason };
        records.push({ kind: 'refusal', refusal });
        return;
      }
      case 'a':
        records.push({ kind: 'adjust', organizationId, lines: row[1].map(([scope, scopeId, metric, period, amount]) => ({ counter: { scope, scopeId, metric, period, organizationId }, amount })) });
        return;
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
