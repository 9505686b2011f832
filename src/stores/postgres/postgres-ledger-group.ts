import { windowStartOf } from '../../core/charge-rules.js';
import type { ChargeResult, CounterRef, LedgerJob } from '../contract/index.js';
import { toKey } from './postgres-mapper.js';

/** One unit of work for apply_ledger_group, in submission order. */
type Value = string | number | boolean | null;

const JOB_COLUMNS = ['kind', 'id', 'at', 'cost', 'lines', 'rates', 'ik', 'ikey', 'fp', 'ix', 'ir', 'ro', 'why'] as const;
type SortKey = readonly (string | number)[];

/**
 * The distinct rows of one table a group touches. Each gets a provisional index as it is met;
 * `sorted()` orders them by key, which is the order the function locks them in, the same in every
 * process, and tells where each provisional index went.
 */
class Slots {
  private readonly rows: { key: SortKey; columns: Value[] }[] = [];
  private readonly index = new Map<string, number>();
  slot(key: SortKey, columns: () => Value[]): number {
    const id = key.join('\u0000');
    let at = this.index.get(id);
    if (at === undefined) {
      at = this.rows.push({ key, columns: columns() }) - 1;
      this.index.set(id, at);
    }
    return at;
  }
  columns(at: number): Value[] {
    return this.rows[at]!.columns;
  }
  /** The rows' columns in key order (as parallel arrays), and the final 1-based index of each provisional one. */
  sorted(names: readonly string[]): { arrays: Record<string, Value[]>; final: number[] } {
    const order = this.rows.map((_, i) => i).sort((a, b) => compareKeys(this.rows[a]!.key, this.rows[b]!.key));
    const final = new Array<number>(this.rows.length);
    order.forEach((provisional, i) => (final[provisional] = i + 1));
    const arrays = Object.fromEntries(names.map((name, c) => [name, order.map((i) => this.rows[i]!.columns[c]!)]));
    return { arrays, final };
  }
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/**
 * The jsonb argument of apply_ledger_group (postgres-ledger-windows-sql.ts), as the parallel
 * arrays of the ledger_group type: distinct counters (c_), minute windows (r_), idempotency keys
 * (i_), Interaction records (x_) and rollups (y_), each once and sorted by key, then the jobs (j_),
 * their lines (l_) and the minute windows each charge counts in (q_). `sync` asks the function to
 * commit synchronously (see postgres-ledger.ts).
 */
export function encodeLedgerGroup(jobs: readonly LedgerJob[], options: { recordEvents: boolean; sync: boolean }): string {
  const counters = new Slots();
  const rates = new Slots();
  const idem = new Slots();
  const interactions = new Slots();
  const rollups = new Slots();
  // Jobs' columns; ik, ir and ro hold provisional slot indexes until the end, as do q.cur and q.prev.
  const j = Object.fromEntries(JOB_COLUMNS.map((name) => [name, [] as Value[]])) as Record<(typeof JOB_COLUMNS)[number], Value[]>;
  const l = { slot: [] as number[], amount: [] as Value[], limit: [] as Value[] };
  const q = { cur: [] as number[], prev: [] as number[], limit: [] as number[], window: [] as number[] };

  // The guesses ("d", the last column) are what a row moves by if every job does what it asks
  // (charges granted, refunds applied): the function applies them while locking and takes back
  // the difference only when a job did not.
  // Counters sort by their reference, which determines the organization: an adjustment does not
  // know it (the function looks it up), a charge of the same group may.
  const counterSlot = (ref: CounterRef, organizationId: string | null, amount: number) => {
    const at = counters.slot([ref.scope, ref.scopeId, ref.metric, ref.period], () => [organizationId, ref.scope, ref.scopeId, ref.metric, ref.period, 0]);
    const columns = counters.columns(at);
    columns[0] ??= organizationId;
    (columns[5] as number) += amount;
    return at;
  };
  const rateSlot = (organizationId: string, key: string, windowStartMs: number, calls: number) => {
    const at = rates.slot([organizationId, key, windowStartMs], () => [organizationId, key, windowStartMs, 0]);
    (rates.columns(at)[3] as number) += calls;
    return at;
  };
  const addLine = (counter: CounterRef, organizationId: string | null, amount: number, limit: number | null, guess: number) => {
    l.slot.push(counterSlot(counter, organizationId, guess));
    l.amount.push(amount);
    l.limit.push(limit);
  };

  const rollupSlot = (org: string, day: string, a: { namespaceId: string | null; apiKeyId: string; operation: string; type: string }) => {
    const ns = toKey(a.namespaceId);
    return rollups.slot([org, day, ns, a.apiKeyId, a.operation, a.type], () => [org, day, ns, a.apiKeyId, a.operation, a.type]);
  };

  for (const job of jobs) {
    if (job.kind === 'refusal') {
      const f = job.refusal;
      j.kind.push('f');
      j.id.push(f.id);
      j.at.push(f.atMs);
      j.cost.push(f.cost);
      j.lines.push(l.slot.length);
      j.rates.push(q.cur.length);
      j.ro.push(rollupSlot(f.attribution.organizationId, f.day, f.attribution));
      j.why.push(f.reason);
      for (const name of JOB_COLUMNS) if (!['kind', 'id', 'at', 'cost', 'lines', 'rates', 'ro', 'why'].includes(name)) j[name].push(null);
      continue;
    }
    if (job.kind === 'adjust') {
      for (const line of job.lines) addLine(line.counter, null, line.amount, null, line.amount);
      j.kind.push('a');
      j.lines.push(l.slot.length);
      j.rates.push(q.cur.length);
      for (const name of JOB_COLUMNS) if (name !== 'kind' && name !== 'lines' && name !== 'rates') j[name].push(null);
      continue;
    }
    const r = job.request;
    const a = r.attribution;
    const org = a.organizationId;
    const sign = job.kind === 'charge' ? 1 : -1;
    for (const line of r.lines) addLine(line.counter, org, line.amount, line.limit, sign * line.amount);
    j.kind.push(job.kind === 'charge' ? 'c' : 'r');
    j.id.push(r.id);
    j.at.push(r.atMs);
    j.cost.push(r.cost);
    j.lines.push(l.slot.length);
    // A refund leaves its call in the windows.
    if (job.kind === 'charge') {
      for (const rule of r.rates) {
        const windowStart = windowStartOf(r.atMs, rule.windowMs);
        q.cur.push(rateSlot(org, rule.key, windowStart, 1));
        q.prev.push(rateSlot(org, rule.key, windowStart - rule.windowMs, 0));
        q.limit.push(rule.limit);
        q.window.push(rule.windowMs);
      }
    }
    j.rates.push(q.cur.length);
    const idemKey = r.idempotency?.key ?? null;
    j.ik.push(idemKey === null ? null : idem.slot([org, a.apiKeyId, idemKey], () => [org, a.apiKeyId, idemKey]));
    j.ikey.push(idemKey);
    j.fp.push(r.idempotency?.fingerprint ?? null);
    j.ix.push(r.idempotency?.expiresAtMs ?? null);
    // Slots are keyed by the tables' primary keys: one upsert must not meet the same row twice.
    const ns = toKey(a.namespaceId);
    const [ws, user] = [toKey(a.workspaceId), toKey(a.userId)];
    j.ir.push(
      interactions.slot([org, r.period.year, r.period.month, ns, a.apiKeyId, a.operation, a.type, ws, user], () => [
        org,
        r.period.year,
        r.period.month,
        ns,
        a.apiKeyId,
        a.operation,
        a.type,
        ws,
        user,
        toKey(a.subscriptionId),
        toKey(a.companyId),
      ]),
    );
    j.ro.push(rollupSlot(org, r.day, a));
    j.why.push(null);
  }

  const c = counters.sorted(['c_org', 'c_scope', 'c_id', 'c_metric', 'c_period', 'c_guess']);
  const rt = rates.sorted(['r_org', 'r_key', 'r_start', 'r_guess']);
  const i = idem.sorted(['i_org', 'i_api', 'i_key']);
  const x = interactions.sorted(['x_org', 'x_year', 'x_month', 'x_ns', 'x_api', 'x_op', 'x_type', 'x_ws', 'x_user', 'x_sub', 'x_co']);
  const y = rollups.sorted(['y_org', 'y_day', 'y_ns', 'y_api', 'y_op', 'y_type']);
  const remap = (provisional: Value[], final: number[]) => provisional.map((p) => (p === null ? null : final[p as number]!));
  return JSON.stringify({
    events: options.recordEvents,
    sync: options.sync,
    ...c.arrays,
    ...rt.arrays,
    ...i.arrays,
    ...x.arrays,
    ...y.arrays,
    j_kind: j.kind,
    j_id: j.id,
    j_at: j.at,
    j_cost: j.cost,
    j_lines: j.lines,
    j_rates: j.rates,
    j_ik: remap(j.ik, i.final),
    j_ikey: j.ikey,
    j_fp: j.fp,
    j_ix: j.ix,
    j_ir: remap(j.ir, x.final),
    j_ro: remap(j.ro, y.final),
    j_why: j.why,
    l_slot: remap(l.slot, c.final),
    l_amount: l.amount,
    l_limit: l.limit,
    q_cur: remap(q.cur, rt.final),
    q_prev: remap(q.prev, rt.final),
    q_limit: q.limit,
    q_window: q.window,
  });
}

/**
 * What apply_ledger_group answers: one entry per job (kind g, r, p, c or n), per line for `used`;
 * `rate` is the 0-based index, among the charge's windows, of the one remaining/reset/retry describe.
 */
export interface LedgerAnswer {
  readonly kind: string[];
  readonly by: (number | null)[];
  readonly rate: (number | null)[];
  readonly used: (number | null)[];
  readonly remaining: (number | null)[];
  readonly reset: (number | null)[];
  readonly retry: (number | null)[];
  readonly replay: (ChargeResult | null)[];
}

/** The ChargeResult of each job (null for refunds and adjustments). */
export function decodeLedgerAnswer(jobs: readonly LedgerJob[], answer: LedgerAnswer): (ChargeResult | null)[] {
  let line = 0;
  return jobs.map((job, n) => {
    const lines = job.kind === 'adjust' ? job.lines.length : job.kind === 'refusal' ? 0 : job.request.lines.length;
    const used = answer.used.slice(line, line + lines) as number[];
    line += lines;
    if (job.kind !== 'charge') return null;
    const { request } = job;
    const rateIndex = answer.rate[n] ?? -1;
    const rate = rateIndex < 0 ? null : { limit: request.rates[rateIndex]!.limit, remaining: answer.remaining[n]!, resetAtMs: answer.reset[n]!, retryAfterMs: answer.retry[n]! };
    switch (answer.kind[n]) {
      case 'g':
        return { outcome: 'granted', chargeId: request.id, replayed: false, used, rate };
      case 'r':
        return answer.by[n] === -1 ? { outcome: 'refused', refusedBy: 'rate', rateIndex, used, rate: rate! } : { outcome: 'refused', refusedBy: answer.by[n]!, used, rate };
      case 'p':
        return { ...answer.replay[n]!, replayed: true } as ChargeResult;
      case 'c':
        return { outcome: 'conflict' };
      default:
        throw new Error(`apply_ledger_group answered "${answer.kind[n]}" for a charge`);
    }
  });
}
