/**
 * Random rounds of charges, refunds, refusals and adjustments (small limits, minute windows crossed
 * often, an organization's window shared by its keys and namespaces and some namespaces' own windows
 * beside it, reused idempotency keys, double refunds), sent to the in-process reference store and to a
 * store under test: every result, counter and record must come out identical. A store that decides
 * elsewhere than LedgerBatch (PL/pgSQL, Lua) is held to the reference this way.
 */
import { expect } from 'vitest';
import { dayOf } from '../../../src/core/periods.js';
import type { ChargeLine, ChargeRequest, ChargeResult, CounterRef, RateRule, Store } from '../../../src/stores/contract/index.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}

export const ORGS = ['org_a', 'org_b'];
const keysOf = (org: string) => [0, 1, 2, 3].map((k) => ({ org, namespace: `${org}_ns${k % 2}`, apiKey: `${org}_key${k}` }));
const KEYS = ORGS.flatMap(keysOf);

export interface EquivalenceOptions {
  /** Runs after each round, before the next (a store whose records flow asynchronously settles them). */
  readonly afterRound?: (subject: Store, organizationIds: readonly string[]) => Promise<void>;
}

export async function compareWithReference(seed: number, reference: Store, subject: Store, options: EquivalenceOptions = {}): Promise<void> {
  const rnd = random(seed);
  const prefix = `s${seed}_${Date.now()}_`;
  const granted: ChargeRequest[] = [];
  const counters = new Map<string, CounterRef>();
  let atMs = Date.parse('2026-11-30T23:59:50.000Z');
  let n = 0;
  const seen = new Set<string>();

  // Counters name their organization, as the engine's do (a store keeping counters by organization needs it).
  const line = (org: string, scope: CounterRef['scope'], scopeId: string, metric: CounterRef['metric'], period: string, amount: number): ChargeLine => {
    const counter = { scope, scopeId: prefix + scopeId, metric, period, organizationId: prefix + org };
    counters.set(JSON.stringify(counter), counter);
    return { counter, amount, limit: rnd.next() < 0.6 ? 10 + rnd.int(60) : null };
  };

  // As the engine asks: the organization's window, for all its keys, then a namespace's own (either may be absent).
  const rates = (key: (typeof KEYS)[number]): RateRule[] => {
    const windows: RateRule[] = [];
    if (rnd.next() < 0.7) windows.push({ key: prefix + key.org, limit: 4 + rnd.int(12), windowMs: 1000 });
    if (rnd.next() < 0.4) windows.push({ key: prefix + key.namespace, limit: 2 + rnd.int(6), windowMs: 1000 });
    return windows;
  };

  const charge = (): ChargeRequest => {
    const key = rnd.pick(KEYS);
    const month = atMs < Date.parse('2026-12-01T00:00:00.000Z') ? 11 : 12;
    const period = { key: `2026-${month}`, month, year: 2026 };
    const type = rnd.next() < 0.8 ? ('mini' as const) : ('premium' as const);
    const cost = rnd.int(6);
    const lines = [
      line(key.org, 'organization', key.org, type, period.key, cost),
      line(key.org, 'namespace', key.namespace, type, period.key, cost),
      line(key.org, 'api_key', key.apiKey, type, period.key, cost),
    ];
    if (rnd.next() < 0.2) lines.push(line(key.org, 'organization', key.org, 'active_memories', 'lifetime', 1));
    return {
      id: `${prefix}charge_${n++}`,
      atMs,
      period,
      day: dayOf(atMs),
      attribution: {
        organizationId: prefix + key.org,
        namespaceId: rnd.next() < 0.9 ? prefix + key.namespace : null,
        apiKeyId: prefix + key.apiKey,
        // As in the engine, a key's user is fixed (the reference store keys rollups by it too).
        userId: key.apiKey.endsWith('3') ? null : 'user_1',
        workspaceId: 'ws_1',
        subscriptionId: 'sub_1',
        companyId: null,
        operation: rnd.pick(['add_memory_v1', 'search_v1', 'get_memory_v1']),
        type,
      },
      cost,
      lines,
      rates: rates(key),
      idempotency: rnd.next() < 0.3 ? { key: `idem_${rnd.int(4)}`, fingerprint: rnd.pick(['fa', 'fb']), expiresAtMs: atMs + 1500 } : null,
    };
  };

  for (let round = 0; round < 60; round++) {
    atMs += rnd.int(450);
    const jobs: { run: (store: Store) => Promise<ChargeResult | null>; request?: ChargeRequest }[] = [];
    const size = 1 + rnd.int(25);
    for (let j = 0; j < size; j++) {
      const roll = rnd.next();
      if (roll < 0.12 && granted.length > 0) {
        const request = rnd.pick(granted);
        jobs.push({ run: async (store) => (await store.ledger.refund(request), null) });
      } else if (roll < 0.2) {
        const request = charge();
        const refusal = { id: request.id, atMs: request.atMs, day: request.day, attribution: request.attribution, cost: request.cost, reason: rnd.pick(['subscription:past_due', 'plan_unknown']) };
        jobs.push({ run: async (store) => (await store.ledger.recordRefusal(refusal), null) });
      } else if (roll < 0.25) {
        const org = rnd.pick(KEYS).org;
        const adjust = [line(org, 'organization', org, 'active_memories', 'lifetime', -1 - rnd.int(2))].map((l) => ({ counter: l.counter, amount: l.amount }));
        jobs.push({ run: async (store) => (await store.ledger.adjust(adjust), null) });
      } else {
        const request = charge();
        jobs.push({ run: (store) => store.ledger.charge(request), request });
      }
    }
    // Each store gets the round's jobs in one turn of the event loop: one group each.
    const [expected, actual] = await Promise.all([Promise.all(jobs.map((j) => j.run(reference))), Promise.all(jobs.map((j) => j.run(subject)))]);
    expect(actual, `seed ${seed}, round ${round}`).toEqual(expected);
    await options.afterRound?.(subject, ORGS.map((o) => prefix + o));
    expected.forEach((result, i) => {
      if (result?.outcome === 'granted' && !result.replayed) granted.push(jobs[i]!.request!);
      if (result) seen.add(describe(result, jobs[i]!.request!));
    });
  }

  // The rounds went through every kind of answer, so the comparison covered each rule.
  expect([...seen].sort()).toEqual([
    'conflict',
    'granted',
    'granted, replayed',
    'refused by a line',
    'refused by the namespace window',
    'refused by the namespace window beside the organization window',
    'refused by the organization window',
    'refused by the organization window beside the namespace window',
  ]);
  const refs = [...counters.values()];
  expect(await subject.ledger.readCounters(refs)).toEqual(await reference.ledger.readCounters(refs));
  for (const org of ORGS.map((o) => prefix + o)) {
    const sortedInteractions = async (store: Store) =>
      (await store.log.interactions({ organizationId: org })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(await sortedInteractions(subject)).toEqual(await sortedInteractions(reference));
    const sortedRollups = async (store: Store) =>
      (await store.log.rollups({ organizationId: org, fromDay: '2026-01-01', toDay: '2026-12-31' })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(await sortedRollups(subject)).toEqual(await sortedRollups(reference));
    const sortedRefusals = async (store: Store) =>
      (await store.log.refusals({ organizationId: org, fromDay: '2026-01-01', toDay: '2026-12-31' })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const refusals = await sortedRefusals(reference);
    expect(refusals.length).toBeGreaterThan(0);
    expect(await sortedRefusals(subject)).toEqual(refusals);
    // A refund's event carries the charge's time; the reference keeps events in arrival order.
    const events = async (store: Store) => (await store.log.events({ organizationId: org, fromMs: 0, toMs: atMs + 1, limit: 100_000 })).sort((a, b) => a.atMs - b.atMs);
    expect(await events(subject)).toEqual(await events(reference));
  }
}

/** The kind of answer a result is, naming which window refused a call that had two. */
function describe(result: ChargeResult, request: ChargeRequest): string {
  if (result.outcome === 'conflict') return result.outcome;
  if (result.outcome === 'granted') return `granted${result.replayed ? ', replayed' : ''}`;
  if (result.refusedBy !== 'rate') return 'refused by a line';
  const scopeOf = (rule: RateRule) => (rule.key === request.attribution.organizationId ? 'organization' : 'namespace');
  const refusing = scopeOf(request.rates[result.rateIndex]!);
  const other = request.rates.find((_, i) => i !== result.rateIndex);
  return `refused by the ${refusing} window${other ? ` beside the ${scopeOf(other)} window` : ''}`;
}
