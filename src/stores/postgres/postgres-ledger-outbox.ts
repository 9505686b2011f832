/**
 * What a group's charges and refunds may write to the outbox, as outbox_after_group
 * (postgres-outbox-sql.ts) takes it: the rule is chargeOutboxEvents's, decided in SQL from the
 * counters apply_ledger_group moved, in the same statement.
 *
 * Small, since most charges carry thresholds and few cross one: a charge is two numbers, its line
 * set and where its lines start in the answer. A line set is what the charges of one attribution,
 * outbox spec and amounts share: per line its amount and its marks' points, and, sent only when
 * outbox_after_group asks for them, each mark's event template (thresholdEventTemplate: dedup key,
 * organization, data without the charge's figures), built and serialized once per attribution,
 * counter and marks (the engine hands the same frozen objects to every call of a tenant in a
 * period). Meter events, one per charge, are sent whole.
 */
import { meterOutboxEvent, thresholdEventTemplate } from '../shared/charge-outbox.js';
import type { Attribution, ChargeRequest, CounterRef, LedgerJob, OutboxEvent, ThresholdMark } from '../contract/index.js';
import { outboxEventsJson } from './postgres-outbox.js';

/** A line's marks: their points, and each one's template as JSON ({k, o, d}). */
interface MarkSet {
  readonly points: readonly number[];
  readonly templates: readonly string[];
}

const markSets = new WeakMap<Attribution, WeakMap<CounterRef, WeakMap<readonly ThresholdMark[], MarkSet>>>();

function markSetOf(a: Attribution, counter: CounterRef, marks: readonly ThresholdMark[]): MarkSet {
  let byCounter = markSets.get(a);
  if (!byCounter) markSets.set(a, (byCounter = new WeakMap()));
  let byMarks = byCounter.get(counter);
  if (!byMarks) byCounter.set(counter, (byMarks = new WeakMap()));
  let set = byMarks.get(marks);
  if (!set) {
    set = {
      points: marks.map((mark) => mark.point),
      templates: marks.map((mark) => {
        const t = thresholdEventTemplate(a, counter, mark);
        return JSON.stringify({ k: t.dedupKey, o: a.organizationId, d: t.data });
      }),
    };
    byMarks.set(marks, set);
  }
  return set;
}

/** Small numbers for objects, to key line sets by the objects they are made of. */
const ids = new WeakMap<object, number>();
let lastId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = ++lastId));
  return id;
}

/** Whether a charge reports any threshold. */
const reports = (r: ChargeRequest) => r.outbox!.marks.some((marks, i) => marks.length > 0 && r.lines[i] !== undefined);

/** A PostgreSQL array literal of numbers (or null): built here rather than element by element by the driver. */
const numbers = (values: readonly (number | null)[]) => `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;

/**
 * The arguments of outbox_after_group after the answer (OUTBOX_AFTER_GROUP_PARAMETERS), or null when
 * no job of the group can write anything. Without `templates` the thresholds' event templates and
 * the charges' ids and times are left out (null): outbox_after_group asks for them
 * (TEMPLATES_NEEDED) only when a charge of the group crossed a threshold.
 */
export function encodeLedgerOutbox(jobs: readonly LedgerJob[], templates: boolean): unknown[] | null {
  const j = { set: [] as number[], first: [] as number[], id: [] as (string | null)[], at: [] as (number | null)[] };
  const ls = { end: [] as number[], amount: [] as number[], lo: [] as number[], hi: [] as number[], marks: [] as number[] };
  const points: number[] = [];
  const templateJson: string[] = [];
  const sets = new Map<string, number>();
  const e = { job: [] as number[], refund: [] as boolean[], charge: [] as string[], amount: [] as number[], of: [] as number[], events: [] as OutboxEvent[] };
  const meterEvents = new Map<string, number>();
  let line = 0;
  let any = false;
  jobs.forEach((job, n) => {
    const first = line;
    line += job.kind === 'adjust' ? job.lines.length : job.kind === 'refusal' ? 0 : job.request.lines.length;
    let set = 0;
    if ((job.kind === 'charge' || job.kind === 'refund') && job.request.outbox) {
      const r = job.request;
      if (job.kind === 'charge' && reports(r)) set = lineSet(r);
      const meter = meterOutboxEvent(r, job.kind);
      if (meter) {
        // A minute's sum is one event for the whole group (SQL adds up the amounts of the jobs that qualify); per call, one per job.
        let of = meter.accumulate ? meterEvents.get(meter.dedupKey) : undefined;
        if (of === undefined) {
          of = e.events.push(meter);
          if (meter.accumulate) meterEvents.set(meter.dedupKey, of);
        }
        e.job.push(n + 1);
        e.refund.push(job.kind === 'refund');
        e.charge.push(r.id);
        e.amount.push(Number(meter.payload.amount));
        e.of.push(of);
      }
      any ||= set > 0 || meter !== null;
    }
    j.set.push(set);
    j.first.push(first);
    j.id.push(set > 0 ? (job as { request: ChargeRequest }).request.id : null);
    j.at.push(set > 0 ? (job as { request: ChargeRequest }).request.atMs : null);
  });
  if (!any) return null;

  /** The number of a charge's line set, made when first met. */
  function lineSet(r: ChargeRequest): number {
    const marks = r.outbox!.marks;
    let key = `${idOf(r.attribution)}:${idOf(marks)}`;
    for (const l of r.lines) key += `:${idOf(l.counter)}/${l.amount}`;
    let at = sets.get(key);
    if (at === undefined) {
      r.lines.forEach((l, i) => {
        const lineMarks = marks[i] ?? [];
        const set = lineMarks.length > 0 ? markSetOf(r.attribution, l.counter, lineMarks) : null;
        ls.amount.push(l.amount);
        // No marks: an empty range, and a check that always passes the line over.
        ls.lo.push(set ? Math.min(...set.points) : Number.MAX_SAFE_INTEGER);
        ls.hi.push(set ? Math.max(...set.points) : Number.MIN_SAFE_INTEGER);
        for (const [k, point] of (set?.points ?? []).entries()) {
          points.push(point);
          templateJson.push(set!.templates[k]!);
        }
        ls.marks.push(points.length);
      });
      at = ls.end.push(ls.amount.length);
      sets.set(key, at);
    }
    return at;
  }

  return [
    numbers(j.set),
    numbers(j.first),
    numbers(ls.end),
    numbers(ls.amount),
    numbers(ls.lo),
    numbers(ls.hi),
    numbers(ls.marks),
    numbers(points),
    numbers(e.job),
    `{${e.refund.join(',')}}`,
    e.charge,
    numbers(e.amount),
    numbers(e.of),
    outboxEventsJson(e.events),
    templates ? `[${templateJson.join(',')}]` : null,
    templates ? j.id : null,
    templates ? numbers(j.at) : null,
  ];
}
