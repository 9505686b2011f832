/**
 * kill -9 of a server under load (hardening issue): `tollgate serve` processes answer concurrent
 * metered calls on one organization whose limits run out during the run; after some hundreds of 2xx
 * one of them is killed with SIGKILL mid-flight, the others (if any) keep serving, the killed one is
 * restarted on the same store and the calls go on until the limits are spent. Every answer is kept.
 * Afterwards, for every scope: the costs of its 2xx answers ≤ its counter ≤ those costs plus the
 * costs of the calls left without an answer by the kill (they may or may not have been applied), the
 * counter is within its limit, and the usage report, the Interaction records and the usage events
 * all equal the counter. Shared by the SQLite and the PostgreSQL runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { periodOf } from '../../../src/core/periods.js';
import type { ScopeKind, Store } from '../../../src/stores/contract/index.js';
import { startServerProcess, type ServerProcess } from './servers.js';

const KEY_SECRET = 'kill-9-test-secret-0123456789abcdefghij';
const ADMIN_KEY = 'kill-9-test-admin-key-0123456789';
const CONCURRENCY = 40;
/** The kill comes when this many calls have been answered 2xx. */
const KILL_AFTER_2XX = 400;
/** Calls the surviving servers answer after the kill, before the killed one is restarted. */
const SURVIVOR_CALLS = 300;
/** Calls after the restart: enough to spend every limit below. */
const CALLS_AFTER_RESTART = 2_000;
/** Bounds the phase before the kill, should the 2xx never come. */
const MAX_CALLS_BEFORE_KILL = 3_000;
/** Monthly mini limits: the organization's, namespace A's, and key b0's cap (namespace B has none). */
const ORGANIZATION_LIMIT = 2_400;
const NAMESPACE_A_LIMIT = 900;
const KEY_B0_CAP = 250;
/** The dearest call (an add): a scope has run out when less than this is left. */
const MAX_COST = 4;

export interface Kill9Options {
  readonly label: string;
  /** Server processes sharing the store; the first is the one killed. */
  readonly servers: number;
  /** Environment of the server processes (TOLLGATE_STORE and its settings). */
  readonly serverEnv: NodeJS.ProcessEnv;
  /** The store the checks read the counters through, opened after the run (the servers migrated it). */
  openStore(): Promise<Store>;
  readonly cleanup: () => Promise<void>;
}

interface Caller {
  readonly id: string;
  readonly key: string;
  readonly namespaceId: string;
}

interface Slot {
  process: ServerProcess;
  alive: boolean;
  pending: number;
}

type Outcome = 'granted' | 'refused' | 'unanswered';

interface Call {
  readonly caller: Caller;
  /** The operation's price: the X-Usage-Cost of a 2xx must say the same. */
  readonly cost: number;
  outcome?: Outcome;
  refusedScope?: string;
}

/** Calls of the run mix: one add (4) in five, searches (1, +1 ranked, +1 agentic) otherwise. */
function callBody(i: number): { path: string; body: unknown; cost: number } {
  if (i % 5 === 0) return { path: '/v1/memory', body: { content: `kill-9 memory ${i}` }, cost: 4 };
  const rank = i % 3 === 0;
  const agentic = i % 7 === 0;
  return { path: '/v1/memory/search', body: { query: 'memory', rank_results: rank, enable_agentic_graph: agentic }, cost: 1 + Number(rank) + Number(agentic) };
}

export function kill9Scenario(o: Kill9Options): void {
  const env = { ...o.serverEnv, TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_ADMIN_KEY: ADMIN_KEY };
  const slots: Slot[] = [];
  const callers: Caller[] = [];
  const limits = new Map<string, number>(); // "scope:id" → mini limit
  let organizationId = '';
  let organizationKey = '';
  let namespaceIds: string[] = [];

  const admin = async (path: string, body?: unknown) => {
    const response = await fetch(`${slots[0]!.process.url}/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-admin-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    // One after the other: each migrates the store at start.
    for (let s = 0; s < o.servers; s++) slots.push({ process: await startServerProcess(env), alive: true, pending: 0 });
    const org = await admin('/organizations', {
      name: 'kill -9',
      plan_tier: 'enterprise',
      rate_limits: { rate_limit_per_minute: 1_000_000_000, max_mini_interactions_per_month: ORGANIZATION_LIMIT },
    });
    organizationId = org.id;
    limits.set(`organization:${org.id}`, ORGANIZATION_LIMIT);
    organizationKey = (await admin(`/organizations/${org.id}/api-keys`, { name: 'reports' })).key;
    const nsA = await admin(`/organizations/${org.id}/namespaces`, { name: 'a', rate_limits: { max_mini_interactions_per_month: NAMESPACE_A_LIMIT } });
    const nsB = await admin(`/organizations/${org.id}/namespaces`, { name: 'b' });
    limits.set(`namespace:${nsA.id}`, NAMESPACE_A_LIMIT);
    namespaceIds = [nsA.id, nsB.id];
    for (const [name, ns] of [['a', nsA], ['b', nsB]] as const) {
      for (let k = 0; k < 3; k++) {
        const capped = name === 'b' && k === 0;
        const issued = await admin(`/namespaces/${ns.id}/api-keys`, { name: `${name}${k}`, ...(capped ? { monthly_cap: KEY_B0_CAP } : {}) });
        if (capped) limits.set(`api_key:${issued.id}`, KEY_B0_CAP);
        callers.push({ id: issued.id, key: issued.key, namespaceId: ns.id });
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const slot of slots) if (slot.alive) expect(await slot.process.stop(), slot.process.output()).toBe(0);
    await o.cleanup();
  });

  it('SIGKILL under load, then restart: every 2xx is counted, nothing past the unanswered calls, no counter past its limit, reports equal counters', async () => {
    const started = performance.now();
    const calls: Call[] = [];
    let next = 0;
    let granted2xx = 0;
    let answered = 0;

    /** One call to a live server; a call the kill leaves without an answer is "unanswered". */
    const send = async (i: number): Promise<void> => {
      const live = slots.filter((s) => s.alive);
      const slot = live[i % live.length]!;
      const caller = callers[i % callers.length]!;
      const { path, body, cost } = callBody(i);
      const call: Call = { caller, cost };
      calls.push(call);
      slot.pending++;
      let response: Response;
      let text: string | null;
      try {
        response = await fetch(`${slot.process.url}${path}`, {
          method: 'POST',
          headers: { 'x-api-key': caller.key, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        text = await response.text().catch(() => null); // a body cut by the kill: the status was answered
      } catch (error) {
        if (slot.alive) throw error;
        call.outcome = 'unanswered';
        return;
      } finally {
        slot.pending--;
        answered++;
      }
      if (response.status >= 200 && response.status < 300) {
        expect(Number(response.headers.get('x-usage-cost')), path).toBe(cost);
        call.outcome = 'granted';
        granted2xx++;
      } else if (response.status === 429) {
        call.outcome = 'refused';
        if (text !== null) {
          const error = JSON.parse(text);
          expect(error.error_code, text).toBe('QUOTA_EXCEEDED');
          call.refusedScope = error.scope;
        }
      } else {
        throw new Error(`unexpected ${response.status} from ${path}: ${text}`);
      }
    };

    /** `count` calls from CONCURRENCY callers; `stop` is asked before each new call. */
    const drive = async (count: number, stop: () => boolean = () => false) => {
      const end = next + count;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < end && !stop()) await send(next++);
        }),
      );
    };

    // Until the kill (and, with several servers, while the others keep serving).
    const victim = slots[0]!;
    let inFlightAtKill = -1;
    let killed: Promise<NodeJS.Signals | null> | null = null;
    let answeredAtKill = 0;
    const killWhenDue = () => {
      if (killed || granted2xx < KILL_AFTER_2XX) return false;
      const child = victim.process.child;
      killed = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      inFlightAtKill = victim.pending;
      victim.alive = false;
      child.kill('SIGKILL');
      answeredAtKill = answered;
      return false;
    };
    const survivors = slots.length > 1;
    await drive(MAX_CALLS_BEFORE_KILL, () => killWhenDue() || (killed !== null && (!survivors || answered >= answeredAtKill + SURVIVOR_CALLS)));
    expect(killed, `${KILL_AFTER_2XX} calls were answered 2xx before the kill`).not.toBeNull();
    expect(await killed).toBe('SIGKILL');
    const killedAfterMs = performance.now() - started;

    // Restart on the same store, and spend the limits.
    const restartedAt = performance.now();
    victim.process = await startServerProcess(env);
    victim.alive = true;
    const restartMs = performance.now() - restartedAt;
    await drive(CALLS_AFTER_RESTART);
    const runMs = performance.now() - started;

    // Every call has its outcome; only calls to the killed server may be unanswered.
    expect(calls.every((c) => c.outcome)).toBe(true);
    const sum = (filter: (c: Call) => boolean) => calls.filter(filter).reduce((s, c) => s + c.cost, 0);
    const scopesOf = (c: Call) => [`organization:${organizationId}`, `namespace:${c.caller.namespaceId}`, `api_key:${c.caller.id}`];
    const allScopes = [`organization:${organizationId}`, ...namespaceIds.map((id) => `namespace:${id}`), ...callers.map((c) => `api_key:${c.id}`)];

    const store = await o.openStore();
    try {
      const period = periodOf(Date.now());
      const counters = await store.ledger.readCounters(
        allScopes.map((s) => {
          const [scope, scopeId] = s.split(':') as [ScopeKind, string];
          return { scope, scopeId, metric: 'mini' as const, period: period.key, organizationId };
        }),
      );
      const counterOf = new Map(allScopes.map((s, i) => [s, counters[i]!]));
      const figures = allScopes.map((s) => {
        const acknowledged = sum((c) => c.outcome === 'granted' && scopesOf(c).includes(s));
        const unanswered = sum((c) => c.outcome === 'unanswered' && scopesOf(c).includes(s));
        return { scope: s, acknowledged, unanswered, counted: counterOf.get(s)!, limit: limits.get(s) ?? null };
      });
      const count = (outcome: Outcome) => calls.filter((c) => c.outcome === outcome).length;
      const org = figures[0]!;
      console.log(
        [
          `kill -9 on ${o.label} (${o.servers} server${o.servers > 1 ? 's' : ''}): ${calls.length} calls in ${(runMs / 1000).toFixed(1)} s,`,
          `${count('granted')} 2xx, ${count('refused')} 429, ${count('unanswered')} unanswered; killed after ${(killedAfterMs / 1000).toFixed(1)} s`,
          `with ${inFlightAtKill} calls in flight, restarted in ${(restartMs / 1000).toFixed(1)} s;`,
          `organization: 2xx cost ${org.acknowledged}, counted ${org.counted}, unanswered cost ${org.unanswered}, limit ${org.limit};`,
          figures
            .slice(1)
            .map((f) => `${f.scope.split(':')[0]} ${f.scope.slice(-6)}: ${f.acknowledged}/${f.counted}/+${f.unanswered}${f.limit === null ? '' : ` of ${f.limit}`}`)
            .join(', '),
        ].join(' '),
      );

      expect(inFlightAtKill, 'calls were in flight when the server was killed').toBeGreaterThan(0);
      for (const f of figures) {
        expect(f.counted, `${f.scope}: every 2xx counted`).toBeGreaterThanOrEqual(f.acknowledged);
        expect(f.counted - f.acknowledged, `${f.scope}: counted beyond the 2xx only what the kill left unanswered`).toBeLessThanOrEqual(f.unanswered);
        if (f.limit !== null) {
          expect(f.counted, `${f.scope} within its limit`).toBeLessThanOrEqual(f.limit);
          expect(f.counted, `${f.scope} ran out`).toBeGreaterThan(f.limit - MAX_COST);
          expect(calls.some((c) => c.refusedScope === f.scope.split(':')[0] && scopesOf(c).includes(f.scope)), `${f.scope} refused calls`).toBe(true);
        }
      }

      // The Interaction records, the rollups (through both usage reports) and the usage events equal the counters.
      const records = await store.log.interactions({ organizationId, year: period.year, month: period.month });
      const recorded = (filter: (r: (typeof records)[number]) => boolean) => records.filter(filter).reduce((s, r) => s + r.count, 0);
      expect(recorded(() => true), 'Interaction records of the organization').toBe(org.counted);
      for (const id of namespaceIds) expect(recorded((r) => r.namespaceId === id), `Interaction records of namespace ${id}`).toBe(counterOf.get(`namespace:${id}`));
      for (const c of callers) expect(recorded((r) => r.apiKeyId === c.id), `Interaction records of key ${c.id}`).toBe(counterOf.get(`api_key:${c.id}`));

      const events = await store.log.events({ organizationId, fromMs: period.startMs, toMs: period.endMs, limit: 1_000_000 });
      const eventCost = events.reduce((s, e) => s + (e.outcome === 'granted' ? e.cost : e.outcome === 'refunded' ? -e.cost : 0), 0);
      expect(eventCost, 'usage events: granted minus refunded').toBe(org.counted);

      const total = (groups: { interactions: number }[]) => groups.reduce((s, g) => s + g.interactions, 0);
      const asAdmin = await fetch(`${slots[1 % slots.length]!.process.url}/admin/organizations/${organizationId}/usage`, { headers: { 'x-admin-key': ADMIN_KEY } }).then((r) => r.json());
      const asOrganization = await fetch(`${victim.process.url}/v1/usage`, { headers: { 'x-api-key': organizationKey } }).then((r) => r.json());
      for (const [who, report] of [['admin', asAdmin], ['organization key', asOrganization]] as const) {
        expect(report.interactions.mini.used, `${who}: interactions`).toBe(org.counted);
        expect(report.interactions.premium.used, `${who}: premium`).toBe(0);
        expect(total(report.by_operation_type), `${who}: by_operation_type`).toBe(org.counted);
        expect(total(report.by_namespace), `${who}: by_namespace`).toBe(org.counted);
        expect(total(report.by_api_key), `${who}: by_api_key`).toBe(org.counted);
        expect(total(report.by_type), `${who}: by_type`).toBe(org.counted);
        expect(total(report.by_day), `${who}: by_day`).toBe(org.counted);
        const grantedCalls = count('granted');
        const calledInReport = report.by_operation_type.reduce((s: number, g: { calls: number }) => s + g.calls, 0);
        expect(calledInReport, `${who}: calls counted`).toBeGreaterThanOrEqual(grantedCalls);
        expect(calledInReport, `${who}: calls counted`).toBeLessThanOrEqual(grantedCalls + count('unanswered'));
        for (const ns of report.namespaces) expect(ns.interactions.mini.used, `${who}: namespace ${ns.namespace_id}`).toBe(counterOf.get(`namespace:${ns.namespace_id}`));
        for (const c of callers) {
          const row = report.api_keys.find((k: { api_key_id: string }) => k.api_key_id === c.id);
          expect(row?.interactions.mini.used, `${who}: key ${c.id}`).toBe(counterOf.get(`api_key:${c.id}`));
        }
      }
    } finally {
      await store.close();
    }
    console.log(`kill -9 on ${o.label}: the case took ${((performance.now() - started) / 1000).toFixed(1)} s after its setup`);
  }, 60_000);
}
