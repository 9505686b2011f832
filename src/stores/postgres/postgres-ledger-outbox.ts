/**
 * What a group's charges and refunds may write to the outbox, as outbox_after_group
 * (postgres-outbox-sql.ts) takes it: the rule is chargeOutboxEvents's, decided in SQL from the
 * counters apply_ledger_group moved, in the same statement.
 *
 * Compact, since most charges carry thresholds and few cross one: per line with marks its job, its
 * index into the answer's `used`, its amount and its mark set; a mark set is the points of the
 * line's marks, each with its event template (thresholdEventTemplate: dedup key, organization,
 * data without the charge's figures). The templates of an attribution, counter and marks (the
 * engine hands the same frozen objects to every call of a tenant in a period) are built and
 * serialized once, and sent only when outbox_after_group asks for them. Meter events, one per
 * charge, are sent whole.
 */
import { meterOutboxEvent, thresholdEventTemplate } from '../shared/charge-outbox.js';
import type { Attribution, CounterRef, LedgerJob, OutboxEvent, ThresholdMark } from '../contract/index.js';
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

/**
 * The second argument of outbox_after_group, or null when no job of the group can write anything.
 * Without `templates` the thresholds' event templates are left out: outbox_after_group asks for them
 * (TEMPLATES_NEEDED) only when a charge of the group crossed one.
 */
export function encodeLedgerOutbox(jobs: readonly LedgerJob[], templates: boolean): string | null {
  const j = { id: [] as (string | null)[], at: [] as (number | null)[] };
  const l = { job: [] as number[], line: [] as number[], amount: [] as number[], set: [] as number[] };
  const m = { point: [] as number[], tpl: [] as number[] };
  const setEnds: number[] = [];
  const templateJson: string[] = [];
  const sets = new Map<MarkSet, number>();
  const e = { job: [] as number[], refund: [] as boolean[], events: [] as OutboxEvent[] };
  let line = 0;
  let any = false;
  jobs.forEach((job, n) => {
    const first = line;
    line += job.kind === 'adjust' ? job.lines.length : job.kind === 'refusal' ? 0 : job.request.lines.length;
    j.id.push(null);
    j.at.push(null);
    if ((job.kind !== 'charge' && job.kind !== 'refund') || !job.request.outbox) return;
    const r = job.request;
    const before = l.job.length + e.job.length;
    if (job.kind === 'charge') {
      r.outbox!.marks.forEach((marks, i) => {
        const lineOf = r.lines[i];
        if (marks.length === 0 || !lineOf) return;
        const set = markSetOf(r.attribution, lineOf.counter, marks);
        let at = sets.get(set);
        if (at === undefined) {
          for (const [k, point] of set.points.entries()) {
            m.point.push(point);
            m.tpl.push(templateJson.push(set.templates[k]!));
          }
          at = setEnds.push(m.point.length);
          sets.set(set, at);
        }
        l.job.push(n + 1);
        l.line.push(first + i + 1);
        l.amount.push(lineOf.amount);
        l.set.push(at);
      });
    }
    const meter = meterOutboxEvent(r, job.kind);
    if (meter) {
      e.job.push(n + 1);
      e.refund.push(job.kind === 'refund');
      e.events.push(meter);
    }
    if (l.job.length + e.job.length > before) {
      j.id[n] = r.id;
      j.at[n] = r.atMs;
      any = true;
    }
  });
  if (!any) return null;
  // The charges' ids and times and the templates matter only to a crossing.
  const arrays = JSON.stringify({
    ...(templates ? { j_id: j.id, j_at: j.at, m_tpl: m.tpl } : {}),
    l_job: l.job,
    l_line: l.line,
    l_amount: l.amount,
    l_set: l.set,
    s_end: setEnds,
    m_point: m.point,
    e_job: e.job,
    e_refund: e.refund,
  });
  // The templates and events are JSON already: spliced in rather than parsed and written again.
  return `${arrays.slice(0, -1)},${templates ? `"t":[${templateJson.join(',')}],` : ''}"e_event":${outboxEventsJson(e.events)}}`;
}
