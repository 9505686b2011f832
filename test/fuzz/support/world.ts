/**
 * The server the fuzz suite drives with inject(), on a store of its choice, with the tenants whose
 * keys it sends: a main organization (enterprise, minute rate lifted so calls reach the handlers),
 * a small one (developer tier: its limits refuse calls), and victims the destructive routes act on
 * (so a fuzzed PATCH or DELETE cannot lock the suite out of its own organization).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createCatalogue } from '../../../src/core/catalogue.js';
import { DEFAULT_AUTH_THROTTLE, DEFAULT_METERING } from '../../../src/core/config.js';
import { periodOf } from '../../../src/core/periods.js';
import { buildApp } from '../../../src/http/app.js';
import { createMeter } from '../../../src/metering/index.js';
import type { Metric, Store } from '../../../src/stores/contract/index.js';
import { createSqliteStore } from '../../../src/stores/sqlite/index.js';
import { createAdminKeys, createTenancy } from '../../../src/tenancy/index.js';
import { manualClock, type ManualClock } from '../../support/clock.js';
import { TEST_KEY_SECRET, loadDefaultPlans } from '../../support/world.js';

export const ADMIN_KEY = 'fuzz-admin-key-0123456789-abcdefghijklmnop';

export interface Org {
  readonly id: string;
  readonly nsId: string;
  /** A key of the namespace nsId, and an organization key. */
  readonly nsKey: string;
  readonly orgKey: string;
}

export interface FuzzWorld {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly main: Org;
  readonly small: Org;
  /** Ids the destructive routes may be pointed at. */
  readonly victims: { readonly orgId: string; readonly nsIds: readonly string[]; readonly keyIds: readonly string[]; readonly keys: readonly string[] };
  /** Everything a refused call must leave as it was, for one organization. */
  snapshot(orgId: string): Promise<Snapshot>;
  close(): Promise<void>;
}

export interface Snapshot {
  /** Quota counters of the organization scope (mini, premium, this period), then its holdings (memories, bytes). */
  readonly counters: readonly number[];
  /** Sums over its Interaction records. */
  readonly count: number;
  readonly calls: number;
}

const METRICS: readonly Metric[] = ['mini', 'premium'];

export async function startFuzzWorld(options: { store?: (clock: ManualClock) => Promise<Store>; cleanup?: () => Promise<void> } = {}): Promise<FuzzWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-fuzz-'));
  const clock = manualClock();
  const store = options.store ? await options.store(clock) : createSqliteStore({ path: join(dir, 'fuzz.db'), clock });
  const plans = loadDefaultPlans();
  const metering = DEFAULT_METERING;
  const meter = createMeter({ store, plans, catalogue: createCatalogue(), keySecret: TEST_KEY_SECRET, clock, metering });
  const tenancy = createTenancy({ directory: store.directory, plans, keySecret: TEST_KEY_SECRET, clock });
  const adminKeys = createAdminKeys({ settings: store.settings, keySecret: TEST_KEY_SECRET, configured: ADMIN_KEY });
  // The fuzzer sends wrong keys from one address, thousands of times: throttled, it would reach no handler.
  const authThrottle = { ...DEFAULT_AUTH_THROTTLE, maxFailuresPerClient: 0, maxFailuresPerKey: 0 };
  const app = await buildApp({ store, meter, tenancy, adminKeys, clock, metering, maxContentBytes: 15_000, authThrottle, managementCallsPerMinute: 0, webhooks: { keySecret: TEST_KEY_SECRET, allowedHosts: null } });

  const admin = async (method: 'POST' | 'GET', url: string, payload?: object) => {
    const r = await app.inject({ method, url, headers: { 'x-admin-key': ADMIN_KEY }, ...(payload ? { payload } : {}) });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const org = async (plan: string, rateLimits: Record<string, number | null>): Promise<Org> => {
    const o = await admin('POST', '/admin/organizations', { name: `fuzz ${plan}`, plan_tier: plan, rate_limits: rateLimits });
    const ns = await admin('POST', `/admin/organizations/${o.id}/namespaces`, { name: 'production' });
    const nsKey = await admin('POST', `/admin/namespaces/${ns.id}/api-keys`, { name: 'ns' });
    const orgKey = await admin('POST', `/admin/organizations/${o.id}/api-keys`, { name: 'org' });
    return { id: o.id, nsId: ns.id, nsKey: nsKey.key, orgKey: orgKey.key };
  };

  const main = await org('enterprise', { rate_limit_per_minute: 1_000_000 });
  // Limits that refuse calls within a run: 3 calls a minute, 200 mini and 20 premium interactions.
  const small = await org('developer', { rate_limit_per_minute: 3, max_mini_interactions_per_month: 200, max_premium_interactions_per_month: 20 });
  const victimOrg = await org('starter', {});
  const nsIds: string[] = [victimOrg.nsId];
  const keyIds: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    const ns = await admin('POST', `/admin/organizations/${main.id}/namespaces`, { name: `victim ${i}` });
    nsIds.push(ns.id);
    const key = await admin('POST', `/admin/namespaces/${ns.id}/api-keys`, { name: `victim ${i}` });
    keyIds.push(key.id);
    keys.push(key.key);
  }

  return {
    app,
    store,
    clock,
    main,
    small,
    victims: { orgId: victimOrg.id, nsIds, keyIds, keys },
    async snapshot(orgId) {
      const period = periodOf(clock.now()).key;
      const counters = await store.ledger.readCounters(METRICS.map((metric) => ({ scope: 'organization' as const, scopeId: orgId, organizationId: orgId, metric, period })));
      const held = await store.memories.holdings('organization', orgId);
      counters.push(held.memories, held.bytes);
      const records = await store.log.interactions({ organizationId: orgId });
      return { counters, count: records.reduce((s, r) => s + r.count, 0), calls: records.reduce((s, r) => s + r.calls, 0) };
    },
    async close() {
      await app.close();
      await meter.close();
      await store.close();
      await options.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
