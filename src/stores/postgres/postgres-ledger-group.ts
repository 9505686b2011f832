import { windowStartOf } from '../../core/charge-rules.js';
import type { ChargeRequest, CounterRef } from '../contract.js';
import { counterKey } from '../shared/ledger-batch.js';
import { toKey } from './postgres-mapper.js';

/** One unit of work for apply_ledger_group, in submission order. */
export type LedgerJob =
  | { readonly kind: 'charge'; readonly request: ChargeRequest }
  | { readonly kind: 'refund'; readonly request: ChargeRequest }
  | { readonly kind: 'adjust'; readonly lines: readonly { readonly counter: CounterRef; readonly amount: number }[] };

/** Gives each distinct row of a group one 1-based index. */
class Slots {
  count = 0;
  private readonly index = new Map<string, number>();
  /** The slot of `key`, calling `add` (which appends the row's columns) the first time. */
  slot(key: string, add: () => void): number {
    let at = this.index.get(key);
    if (at === undefined) {
      add();
      at = ++this.count;
      this.index.set(key, at);
    }
    return at;
  }
}

/**
 * The jsonb argument of apply_ledger_group (postgres-ledger-sql.ts), as the parallel arrays of
 * the ledger_group type: distinct counters, minute windows, idempotency keys, Interaction records
 * and rollups, each once, then the jobs and their lines.
 */
export function encodeLedgerGroup(jobs: readonly LedgerJob[], recordEvents: boolean): string {
  const g = {
    ...columns('c_org', 'c_scope', 'c_id', 'c_metric', 'c_period', 'c_guess'),
    ...columns('r_org', 'r_key', 'r_start', 'r_guess'),
    ...columns('i_org', 'i_api', 'i_key'),
    ...columns('x_org', 'x_year', 'x_month', 'x_ns', 'x_api', 'x_op', 'x_type', 'x_ws', 'x_user', 'x_sub', 'x_co'),
    ...columns('y_org', 'y_day', 'y_ns', 'y_api', 'y_op', 'y_type'),
    ...columns('j_kind', 'j_id', 'j_at', 'j_cost', 'j_lines', 'j_rc', 'j_rp', 'j_rl', 'j_rw', 'j_ik', 'j_ikey', 'j_fp', 'j_ix', 'j_ir', 'j_ro'),
    ...columns('l_slot', 'l_amount', 'l_limit'),
  };
  const counters = new Slots();
  const rates = new Slots();
  const idem = new Slots();
  const interactions = new Slots();
  const rollups = new Slots();

  // The guesses are what a row moves by if every job does what it asks (charges granted, refunds
  // applied): the function applies them while locking and takes back the difference only when a
  // job did not.
  const counterSlot = (ref: CounterRef, organizationId: string | null, amount: number) => {
    const at = counters.slot(counterKey(ref), () => {
      g.c_org.push(organizationId);
      g.c_scope.push(ref.scope);
      g.c_id.push(ref.scopeId);
      g.c_metric.push(ref.metric);
      g.c_period.push(ref.period);
      g.c_guess.push(0);
    });
    // An adjustment does not know the counter's organization; a charge of the same group does.
    if (organizationId !== null) g.c_org[at - 1] = organizationId;
    (g.c_guess[at - 1] as number) += amount;
    return at;
  };
  const rateSlot = (organizationId: string, key: string, windowStartMs: number, calls: number) => {
    const at = rates.slot(rowKey(organizationId, key, windowStartMs), () => {
      g.r_org.push(organizationId);
      g.r_key.push(key);
      g.r_start.push(windowStartMs);
      g.r_guess.push(0);
    });
    (g.r_guess[at - 1] as number) += calls;
    return at;
  };

  for (const job of jobs) {
    if (job.kind === 'adjust') {
      push(g, { j_kind: 'a', j_id: null, j_at: null, j_cost: null, j_rc: null, j_rp: null, j_rl: null, j_rw: null, j_ik: null, j_ikey: null, j_fp: null, j_ix: null, j_ir: null, j_ro: null });
      for (const line of job.lines) push(g, { l_slot: counterSlot(line.counter, null, line.amount), l_amount: line.amount, l_limit: null });
      g.j_lines.push(g.l_slot.length);
      continue;
    }
    const r = job.request;
    const a = r.attribution;
    const org = a.organizationId;
    const sign = job.kind === 'charge' ? 1 : -1;
    for (const line of r.lines) push(g, { l_slot: counterSlot(line.counter, org, sign * line.amount), l_amount: line.amount, l_limit: line.limit });
    g.j_lines.push(g.l_slot.length);
    let rc: number | null = null;
    let rp: number | null = null;
    if (job.kind === 'charge' && r.rate) {
      const windowStart = windowStartOf(r.atMs, r.rate.windowMs);
      rc = rateSlot(org, r.rate.key, windowStart, 1);
      rp = rateSlot(org, r.rate.key, windowStart - r.rate.windowMs, 0);
    }
    const idemKey = r.idempotency?.key ?? null;
    const ik =
      idemKey === null
        ? null
        : idem.slot(rowKey(org, a.apiKeyId, idemKey), () => push(g, { i_org: org, i_api: a.apiKeyId, i_key: idemKey }));
    // Slots are keyed by the tables' primary keys: one upsert must not meet the same row twice.
    const ir = interactions.slot(rowKey(org, r.period.year, r.period.month, a.namespaceId, a.apiKeyId, a.operation, a.type, a.workspaceId, a.userId), () =>
      push(g, {
        x_org: org,
        x_year: r.period.year,
        x_month: r.period.month,
        x_ns: toKey(a.namespaceId),
        x_api: a.apiKeyId,
        x_op: a.operation,
        x_type: a.type,
        x_ws: toKey(a.workspaceId),
        x_user: toKey(a.userId),
        x_sub: toKey(a.subscriptionId),
        x_co: toKey(a.companyId),
      }),
    );
    const ro = rollups.slot(rowKey(org, r.day, a.namespaceId, a.apiKeyId, a.operation, a.type), () =>
      push(g, { y_org: org, y_day: r.day, y_ns: toKey(a.namespaceId), y_api: a.apiKeyId, y_op: a.operation, y_type: a.type }),
    );
    push(g, {
      j_kind: job.kind === 'charge' ? 'c' : 'r',
      j_id: r.id,
      j_at: r.atMs,
      j_cost: r.cost,
      j_rc: rc,
      j_rp: rp,
      j_rl: rc === null ? null : r.rate!.limit,
      j_rw: rc === null ? null : r.rate!.windowMs,
      j_ik: ik,
      j_ikey: idemKey,
      j_fp: r.idempotency?.fingerprint ?? null,
      j_ix: r.idempotency?.expiresAtMs ?? null,
      j_ir: ir,
      j_ro: ro,
    });
  }
  return JSON.stringify({ events: recordEvents, ...g });
}

type Columns<K extends string> = { [P in K]: unknown[] };

function columns<K extends string>(...names: K[]): Columns<K> {
  return Object.fromEntries(names.map((name) => [name, []])) as unknown as Columns<K>;
}

function push<K extends string>(g: Columns<K>, row: { [P in K]?: unknown }): void {
  for (const name in row) g[name].push(row[name]);
}

function rowKey(...parts: (string | number | null)[]): string {
  return parts.join('\u0000');
}
