/**
 * The multi-server scenario of issue 4: four `tollgate serve` processes sharing one store, 50,000
 * concurrent HTTP calls from 20 keys in 3 organizations whose limits run out part way; afterwards,
 * for every scope, the counter equals the costs of the 2xx answers, no scope is past its limit, and
 * the Interaction records equal the usage API's figures. And a key revoked through one process is
 * refused by the others within 1 s. Shared by the PostgreSQL and the Redis + PostgreSQL runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { periodOf } from '../../../src/core/periods.js';
import { systemClock } from '../../../src/metering/index.js';
import type { Store } from '../../../src/stores/contract/index.js';
import { createTenancy } from '../../../src/tenancy/index.js';
import { loadDefaultPlans } from '../../support/world.js';
import { startServerProcesses, type ServerProcess } from './servers.js';

export const KEY_SECRET = 'load-test-secret-0123456789abcdefghij';
export const ADMIN_KEY = 'load-test-admin-key-0123456789abcdef';
const CALLS = 50_000;
const CONCURRENCY = 200;

interface KeyInfo {
  readonly id: string;
  readonly key: string;
  readonly organizationId: string;
  readonly namespaceId: string;
}

export interface ScenarioOptions {
  readonly label: string;
  /** The store the test reads back through (sharing the servers' data), opened before the servers. */
  openStore(): Promise<Store>;
  /** Environment of the server processes (TOLLGATE_STORE and its settings). */
  readonly serverEnv: NodeJS.ProcessEnv;
  /** Runs once, when about half of the calls have been answered (e.g. Redis loses its data). */
  readonly midRun?: () => Promise<void>;
  /** Before the checks: wait until what the servers acknowledged has reached durable storage. */
  readonly settle?: (store: Store) => Promise<void>;
  readonly cleanup: () => Promise<void>;
  /** Statuses besides 200 and 429 a call may get (503 while Redis is being rebuilt). */
  readonly tolerated?: readonly number[];
}

export function multiServerScenario(o: ScenarioOptions): void {
  let store: Store;
  let servers: ServerProcess[] = [];
  const keys: KeyInfo[] = [];
  const limits = new Map<string, number>(); // "scope:id" → mini limit

  beforeAll(async () => {
    store = await o.openStore();
    const tenancy = createTenancy({ directory: store.directory, plans: loadDefaultPlans(), keySecret: KEY_SECRET, clock: systemClock });
    // Three organizations, limits that run out part way through the run:
    // A: 20,000 for the organization; B: 15,000, one namespace capped at 3,000; C: unlimited, two keys capped.
    const plan = [
      { limit: 20_000, namespaces: [null, null], caps: [] as number[] },
      { limit: 15_000, namespaces: [3_000, null], caps: [] as number[] },
      { limit: null, namespaces: [null, null], caps: [1_500, 2_500] },
    ];
    for (const [o, p] of plan.entries()) {
      const org = await tenancy.createOrganization({
        name: `org ${o}`,
        planTier: 'enterprise',
        rateLimits: { rate_limit_per_minute: 1_000_000_000, ...(p.limit === null ? {} : { max_mini_interactions_per_month: p.limit }) },
      });
      if (p.limit !== null) limits.set(`organization:${org.id}`, p.limit);
      for (const [n, nsLimit] of p.namespaces.entries()) {
        const ns = await tenancy.createNamespace(org.id, { name: `ns ${n}`, rateLimits: nsLimit === null ? {} : { max_mini_interactions_per_month: nsLimit } });
        if (nsLimit !== null) limits.set(`namespace:${ns.id}`, nsLimit);
        const perNamespace = o === 0 ? 3 : o === 1 ? 4 : 3; // 6 + 8 + 6 = 20 keys
        for (let k = 0; k < perNamespace; k++) {
          const cap = n === 0 ? p.caps[k] : undefined;
          const issued = await tenancy.issueNamespaceKey(ns.id, { name: `key ${o}.${n}.${k}`, ...(cap ? { monthlyCap: cap } : {}) });
          if (cap) limits.set(`api_key:${issued.apiKey.id}`, cap);
          keys.push({ id: issued.apiKey.id, key: issued.key, organizationId: org.id, namespaceId: ns.id });
        }
      }
    }
    servers = await startServerProcesses(4, { ...o.serverEnv, TOLLGATE_KEY_SECRET: KEY_SECRET, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_EVENTS: 'false' });
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) expect(await s.stop()).toBe(0);
    await store?.close();
    await o.cleanup();
  });

  it('50,000 concurrent calls: every counter equals the costs of the 2xx answers, none past its limit, records equal the usage API', async () => {
    const granted = new Map<string, number>(); // "scope:id" → sum of 2xx costs
    const add = (scope: string, id: string, cost: number) => granted.set(`${scope}:${id}`, (granted.get(`${scope}:${id}`) ?? 0) + cost);
    const statuses = new Map<number, number>();
    let next = 0;
    let answered = 0;
    let midRun: Promise<void> | null = null;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CALLS) {
          const i = next++;
          const key = keys[i % keys.length]!;
          const server = servers[i % servers.length]!;
          const search = i % 5 !== 0;
          const body = search ? { query: 'anything', rank_results: i % 3 === 0, enable_agentic_graph: i % 7 === 0 } : { content: `memory ${i}` };
          const response = await fetch(`${server.url}/v1/memory${search ? '/search' : ''}`, {
            method: 'POST',
            headers: { 'x-api-key': key.key, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          await response.arrayBuffer();
          if (++answered === CALLS / 2 && o.midRun) midRun = o.midRun();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 200) {
            const cost = Number(response.headers.get('x-usage-cost'));
            add('organization', key.organizationId, cost);
            add('namespace', key.namespaceId, cost);
            add('api_key', key.id, cost);
          } else if (response.status !== 429 && !(o.tolerated ?? []).includes(response.status)) {
            throw new Error(`unexpected ${response.status}: ${await response.text()}`);
          }
        }
      }),
    );
    await midRun;
    const seconds = (performance.now() - started) / 1000;
    await o.settle?.(store);
    console.log(`4 servers on ${o.label}: ${CALLS} calls in ${seconds.toFixed(1)} s (${Math.round(CALLS / seconds)}/s); statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(CALLS);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(1000); // the limits did run out part way

    const period = periodOf(Date.now()).key;
    const scopes = [...new Set([...granted.keys(), ...limits.keys()])];
    const refs = scopes.map((s) => {
      const [scope, scopeId] = s.split(':') as ['organization' | 'namespace' | 'api_key', string];
      return { scope, scopeId, metric: 'mini' as const, period };
    });
    const counters = await store.ledger.readCounters(refs);
    scopes.forEach((s, i) => {
      expect(counters[i], s).toBe(granted.get(s) ?? 0);
      const limit = limits.get(s);
      if (limit !== undefined) {
        expect(counters[i]!, `${s} within its limit`).toBeLessThanOrEqual(limit);
        expect(counters[i]!, `${s} ran out`).toBeGreaterThan(limit - 4);
      }
    });

    for (const org of new Set(keys.map((k) => k.organizationId))) {
      const { year, month } = periodOf(Date.now());
      const records = await store.log.interactions({ organizationId: org, year, month });
      const recorded = records.reduce((s, r) => s + r.count, 0);
      expect(recorded).toBe(granted.get(`organization:${org}`));
      const usage = await fetch(`${servers[0]!.url}/admin/organizations/${org}/usage`, { headers: { 'x-admin-key': ADMIN_KEY } }).then((r) => r.json());
      expect(usage.interactions.mini.used).toBe(recorded);
      const viaFunction = await fetch(`${servers[1]!.url}/functions/getOrganizationInteractions`, {
        method: 'POST',
        headers: { 'x-admin-key': ADMIN_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId: org, month, year }),
      }).then((r) => r.json());
      expect(viaFunction.result.total).toBe(recorded);
    }
  }, 300_000);

  it('a key revoked through one process is refused by the other three within 1 s', async () => {
    const victim = keys[1]!;
    const call = (server: ServerProcess) =>
      fetch(`${server.url}/v1/memory/search`, { method: 'POST', headers: { 'x-api-key': victim.key, 'content-type': 'application/json' }, body: '{"query":"x"}' }).then((r) => r.status);
    // Each process has the key cached before the revocation.
    for (const s of servers) expect([200, 429]).toContain(await call(s));
    const revokedAt = performance.now();
    const revoked = await fetch(`${servers[0]!.url}/admin/api-keys/${victim.id}`, { method: 'DELETE', headers: { 'x-admin-key': ADMIN_KEY } });
    expect(revoked.status).toBe(200);
    const refusedAfter = await Promise.all(
      servers.slice(1).map(async (s) => {
        for (;;) {
          if ((await call(s)) === 401) return performance.now() - revokedAt;
          if (performance.now() - revokedAt > 5000) return Infinity;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    console.log(`revocation seen by the other processes after ${refusedAfter.map((ms) => `${Math.round(ms)} ms`).join(', ')}`);
    for (const ms of refusedAfter) expect(ms).toBeLessThan(1000);
  });
}
