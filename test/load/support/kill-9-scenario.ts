/**
 * kill -9 of a server under load (hardening issue): `tollgate serve` processes answer concurrent
 * metered calls; after some hundreds of 2xx the first is killed with SIGKILL mid-flight, the others
 * (if any) keep serving, the killed one is restarted on the same store and the calls go on until
 * the limits are spent. Every answer is kept. Then, for every scope: the costs of its 2xx answers ≤
 * its counter ≤ those costs plus the costs of the calls the kill left without an answer (they may or
 * may not have been applied), the counter is within its limit, and the usage reports, Interaction
 * records and usage events equal the counter. A second run kills a server during adds: the holdings
 * (active memories, storage) must still equal the memories stored. Shared by the SQLite and the
 * PostgreSQL runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../../src/stores/contract/index.js';
import { describeFigures, expectHoldingsMatchMemories, expectUsageAccountedFor, type UsageReportJson } from './kill-9-checks.js';
import { createLoad, type PlannedCall, type ServerSlot } from './kill-9-load.js';
import { startServerProcess } from './servers.js';

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
/** The run of adds: the kill after this many 2xx, then adds up to the active memories limit. */
const ADDS_KILL_AFTER_2XX = 100;
const ACTIVE_MEMORIES_LIMIT = 300;
const ADDS_AFTER_RESTART = 400;

export interface Kill9Options {
  readonly label: string;
  /** Server processes sharing the store; the first is the one killed. */
  readonly servers: number;
  /** Environment of the server processes (TOLLGATE_STORE and its settings). */
  readonly serverEnv: NodeJS.ProcessEnv;
  /** The store the checks read through, opened after a restart (the servers migrated it, the restarted one recovered it). */
  openStore(): Promise<Store>;
  /** After the cases (e.g. drop the schema). */
  readonly cleanup?: () => Promise<void>;
}

interface Caller {
  readonly id: string;
  readonly key: string;
  readonly organizationId: string;
  readonly namespaceId: string;
}

const scopesOf = (c: Caller) => [`organization:${c.organizationId}`, `namespace:${c.namespaceId}`, `api_key:${c.id}`];

/** The run's mix: one add (4) in five, searches (1, +1 ranked, +1 agentic) otherwise. */
function mixedCall(i: number, caller: Caller): PlannedCall {
  const scopes = scopesOf(caller);
  if (i % 5 === 0) return { apiKey: caller.key, path: '/v1/memory', body: { content: `kill-9 memory ${i}` }, cost: 4, scopes };
  const rank = i % 3 === 0;
  const agentic = i % 7 === 0;
  return { apiKey: caller.key, path: '/v1/memory/search', body: { query: 'memory', rank_results: rank, enable_agentic_graph: agentic }, cost: 1 + Number(rank) + Number(agentic), scopes };
}

export function kill9Scenario(o: Kill9Options): void {
  const env = { ...o.serverEnv, TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_ADMIN_KEY: ADMIN_KEY };
  const slots: ServerSlot[] = [];
  const served = () => `${slots.map((s, i) => `--- server ${i}${s.alive ? '' : ' (killed)'}:\n${s.process.output()}`).join('\n')}`;

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
  const issueKey = async (organizationId: string, namespaceId: string, name: string, cap?: number): Promise<Caller> => {
    const issued = await admin(`/namespaces/${namespaceId}/api-keys`, { name, ...(cap === undefined ? {} : { monthly_cap: cap }) });
    return { id: issued.id, key: issued.key, organizationId, namespaceId };
  };
  /** SIGKILL the first server when `due()`; then, with others alive, stop after `survivorCalls` more. */
  const killFirstWhen = (load: ReturnType<typeof createLoad>, due: () => boolean, survivorCalls: number) => {
    let kill: (ReturnType<typeof load.kill> & { atMs: number }) | null = null;
    let settledAtKill = 0;
    const stop = () => {
      if (!kill && due()) {
        kill = { ...load.kill(slots[0]!), atMs: performance.now() };
        settledAtKill = load.settled();
      }
      return kill !== null && (slots.length === 1 || load.settled() >= settledAtKill + survivorCalls);
    };
    return { stop, killed: () => kill };
  };
  const restartFirst = async () => {
    const started = performance.now();
    slots[0]!.process = await startServerProcess(env);
    slots[0]!.alive = true;
    return performance.now() - started;
  };

  beforeAll(async () => {
    // One after the other: each migrates the store at start.
    for (let s = 0; s < o.servers; s++) slots.push({ process: await startServerProcess(env), alive: true, pending: 0 });
  }, 60_000);

  afterAll(async () => {
    for (const slot of slots) if (slot.alive) expect(await slot.process.stop(), slot.process.output()).toBe(0);
    await o.cleanup?.();
  });

  it('SIGKILL under load, then restart: every 2xx is counted, nothing past the unanswered calls, no counter past its limit, reports equal counters', async () => {
    const started = performance.now();
    const org = await admin('/organizations', {
      name: 'kill -9',
      plan_tier: 'enterprise',
      rate_limits: { rate_limit_per_minute: 1_000_000_000, max_mini_interactions_per_month: ORGANIZATION_LIMIT },
    });
    const organizationKey: string = (await admin(`/organizations/${org.id}/api-keys`, { name: 'reports' })).key;
    const nsA = await admin(`/organizations/${org.id}/namespaces`, { name: 'a', rate_limits: { max_mini_interactions_per_month: NAMESPACE_A_LIMIT } });
    const nsB = await admin(`/organizations/${org.id}/namespaces`, { name: 'b' });
    const callers: Caller[] = [];
    for (const ns of [nsA, nsB]) for (let k = 0; k < 3; k++) callers.push(await issueKey(org.id, ns.id, `${ns.name}${k}`, ns === nsB && k === 0 ? KEY_B0_CAP : undefined));
    const limits = new Map([
      [`organization:${org.id}`, ORGANIZATION_LIMIT],
      [`namespace:${nsA.id}`, NAMESPACE_A_LIMIT],
      [`api_key:${callers[3]!.id}`, KEY_B0_CAP],
    ]);
    const scopes = [`organization:${org.id}`, `namespace:${nsA.id}`, `namespace:${nsB.id}`, ...callers.map((c) => `api_key:${c.id}`)];
    const load = createLoad({ slots, concurrency: CONCURRENCY, plan: (i) => mixedCall(i, callers[i % callers.length]!) });

    // Until the kill (and, with several servers, while the others keep serving).
    const kill = killFirstWhen(load, () => load.granted() >= KILL_AFTER_2XX, SURVIVOR_CALLS);
    await load.drive(MAX_CALLS_BEFORE_KILL, kill.stop);
    const killed = kill.killed();
    expect(killed, `${KILL_AFTER_2XX} calls were answered 2xx before the kill`).not.toBeNull();
    expect(await killed!.exited).toBe('SIGKILL');
    expect(killed!.inFlight, 'calls were in flight when the server was killed').toBeGreaterThan(0);

    // Restart on the same store: what was counted is what was answered, give or take the unanswered.
    const restartMs = await restartFirst();
    const store = await o.openStore();
    try {
      const report = (url: () => string, headers: Record<string, string>) => async () => (await fetch(url(), { headers }).then((r) => r.json())) as UsageReportJson;
      const check = (stage: string) =>
        expectUsageAccountedFor({
          stage,
          store,
          organizationId: org.id,
          scopes,
          limits,
          calls: load.calls,
          reports: {
            'the admin': report(() => `${slots[slots.length - 1]!.process.url}/admin/organizations/${org.id}/usage`, { 'x-admin-key': ADMIN_KEY }),
            'the organization key': report(() => `${slots[0]!.process.url}/v1/usage`, { 'x-api-key': organizationKey }),
          },
        });
      const tally = () => `${load.calls.length} calls: ${load.count('granted')} 2xx, ${load.count('refused')} 429, ${load.count('unanswered')} unanswered`;
      const atRestart = await check('after the restart');
      console.log(
        `kill -9 on ${o.label} (${o.servers} server${o.servers > 1 ? 's' : ''}): killed after ${((killed!.atMs - started) / 1000).toFixed(1)} s with ${killed!.inFlight} calls in flight,` +
          ` restarted in ${(restartMs / 1000).toFixed(1)} s; so far ${tally()}; 2xx cost/counted/+unanswered cost: ${describeFigures(atRestart)}`,
      );

      // Then the limits are spent, the restarted server charging from the counters it found.
      await load.drive(CALLS_AFTER_RESTART);
      const atEnd = await check('at the end');
      for (const f of atEnd) {
        if (f.limit === null) continue;
        expect(f.counted, `${f.scope} ran out`).toBeGreaterThan(f.limit - MAX_COST);
        const [kind] = f.scope.split(':');
        expect(load.calls.some((c) => c.refusedScope === kind && c.scopes.includes(f.scope)), `${f.scope} refused calls`).toBe(true);
      }
      for (const c of load.calls) if (c.errorCode !== undefined) expect(c.errorCode).toBe('QUOTA_EXCEEDED');
      console.log(`kill -9 on ${o.label}: ${tally()} in ${((performance.now() - started) / 1000).toFixed(1)} s; 2xx cost/counted/+unanswered cost: ${describeFigures(atEnd)}`);
    } catch (error) {
      console.log(served());
      throw error;
    } finally {
      await store.close();
    }
  }, 60_000);

  // Issue 11's defect: an add's active-memory and storage counters committed with its charge, before
  // the memory was inserted, so a kill between the two left them above what is stored (seen: 128
  // counted, 112 stored; 2 of 4 runs on SQLite). The memory store now moves holdings in the
  // transaction that writes the memory.
  it('SIGKILL during adds, then restart: the holdings equal the memories stored, up to the limit', async () => {
    const started = performance.now();
    const org = await admin('/organizations', {
      name: 'kill -9 adds',
      plan_tier: 'enterprise',
      rate_limits: { rate_limit_per_minute: 1_000_000_000, max_active_memories: ACTIVE_MEMORIES_LIMIT },
    });
    const ns = await admin(`/organizations/${org.id}/namespaces`, { name: 'adds' });
    const caller = await issueKey(org.id, ns.id, 'adds');
    const load = createLoad({
      slots,
      concurrency: CONCURRENCY,
      plan: (i) => ({ apiKey: caller.key, path: '/v1/memory', body: { content: `kill-9 added memory ${i}` }, cost: 4, scopes: scopesOf(caller) }),
      // Every add to the server that is killed while it lives: the most in flight at the kill.
      route: (i, live) => (slots[0]!.alive ? slots[0]! : live[i % live.length]!),
    });
    const kill = killFirstWhen(load, () => load.granted() >= ADDS_KILL_AFTER_2XX, 0);
    await load.drive(MAX_CALLS_BEFORE_KILL, kill.stop);
    const killed = kill.killed();
    expect(killed, `${ADDS_KILL_AFTER_2XX} adds were answered 2xx before the kill`).not.toBeNull();
    expect(await killed!.exited).toBe('SIGKILL');

    const restartMs = await restartFirst();
    const store = await o.openStore();
    try {
      const check = (stage: string) => expectHoldingsMatchMemories({ stage, store, organizationId: org.id, namespaceId: ns.id, calls: load.calls });
      const summary = (f: Awaited<ReturnType<typeof check>>) =>
        `${f.added} 2xx adds, ${f.unanswered} unanswered, ${f.stored} memories stored (${f.storedBytes} bytes), holdings: organization ${f.counted.organization.join('/')}, namespace ${f.counted.namespace.join('/')}`;
      const atRestart = await check('after the restart');
      console.log(`kill -9 during adds on ${o.label}: killed with ${killed!.inFlight} adds in flight, restarted in ${(restartMs / 1000).toFixed(1)} s; ${summary(atRestart)}`);

      // The restarted server lets the namespace fill up to its limit of active memories, and no further.
      await load.drive(ADDS_AFTER_RESTART);
      const atEnd = await check('at the end');
      console.log(`kill -9 during adds on ${o.label}: at the end (${((performance.now() - started) / 1000).toFixed(1)} s) ${summary(atEnd)}, ${load.count('refused')} adds refused`);
      for (const c of load.calls) if (c.errorCode !== undefined) expect(c.errorCode).toBe('RESOURCE_LIMIT_EXCEEDED');
      expect(atEnd.stored, `memories stored when adds are refused: the limit, ${ACTIVE_MEMORIES_LIMIT}`).toBe(ACTIVE_MEMORIES_LIMIT);
    } finally {
      await store.close();
    }
  }, 60_000);
}
