import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createCatalogue, type OperationOverride } from '../../../src/core/catalogue.js';
import { DEFAULT_AUTH_THROTTLE, DEFAULT_HTTP, DEFAULT_METERING, type AuthThrottleConfig, type HttpConfig, type MeteringConfig } from '../../../src/core/config.js';
import { buildApp } from '../../../src/http/app.js';
import { DEFAULT_GATEWAY, type GatewayConfig } from '../../../src/core/gateway-config.js';
import { createMeter } from '../../../src/metering/index.js';
import type { Store } from '../../../src/stores/contract/index.js';
import { createSqliteStore } from '../../../src/stores/sqlite/index.js';
import { createAdminKeys, createTenancy } from '../../../src/tenancy/index.js';
import { manualClock, type ManualClock } from '../../support/clock.js';
import { TEST_KEY_SECRET, loadDefaultPlans } from '../../support/world.js';

export const ADMIN_KEY = 'test-admin-key-0123456789-abcdefghijklmnop';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: ManualClock;
  /** app.inject with JSON bodies; `key` sends X-API-Key, `admin` sends the admin key. */
  call(options: InjectOptions & { key?: string; admin?: boolean; body?: unknown }): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** An organization (tier and overrides as given) with one namespace and a namespace key. */
  tenant(options?: { plan_tier?: string; rate_limits?: Record<string, number | null>; subscription?: Record<string, unknown>; namespace?: Record<string, unknown>; permissions?: string[] }): Promise<{
    orgId: string;
    nsId: string;
    key: string;
    keyId: string;
  }>;
  close(): Promise<void>;
}

/** The real server (Fastify app, metering, SQLite store on a temporary file), driven with inject(). */
export async function startServer(
  options: {
    metering?: Partial<MeteringConfig>;
    /** Wraps the SQLite store (fault injection, or another store composed over it). */
    wrapStore?: (store: Store) => Store | Promise<Store>;
    clock?: ManualClock;
    operations?: Record<string, OperationOverride>;
    dashboardRoot?: string;
    /** The server's timeouts (for tests on a real port). */
    http?: Partial<HttpConfig>;
    /**
     * The failed-authentication throttle, DEFAULT_AUTH_THROTTLE overridden by what is given. Off when
     * absent: every test calls from 127.0.0.1, and some send hundreds of wrong keys on purpose.
     */
    authThrottle?: Partial<AuthThrottleConfig>;
    /** Off unless a test sets it: suites make hundreds of management calls in one minute of the manual clock. */
    managementCallsPerMinute?: number;
    /** Hosts webhook endpoints may point at; null (any public host) when absent. */
    webhookHosts?: readonly string[] | null;
    /** Webhook endpoints an organization may have (20 when absent). */
    webhookMaxEndpoints?: number;
    trustProxy?: string;
    /** Gateway mode: the upstream and its settings (DEFAULT_GATEWAY for the rest). */
    gateway?: Partial<GatewayConfig>;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-http-'));
  const clock = options.clock ?? manualClock();
  const sqlite = createSqliteStore({ path: join(dir, 'http.db'), clock });
  const store = options.wrapStore ? await options.wrapStore(sqlite) : sqlite;
  const plans = loadDefaultPlans();
  const metering = { ...DEFAULT_METERING, ...options.metering };
  const meter = createMeter({ store, plans, catalogue: createCatalogue(options.operations), keySecret: TEST_KEY_SECRET, clock, metering });
  const tenancy = createTenancy({ directory: store.directory, plans, keySecret: TEST_KEY_SECRET, clock });
  const adminKeys = createAdminKeys({ settings: store.settings, keySecret: TEST_KEY_SECRET, configured: ADMIN_KEY });
  const app = await buildApp({ store, meter, tenancy, adminKeys, clock, metering, maxContentBytes: 15_000, http: { ...DEFAULT_HTTP, ...options.http }, authThrottle: authThrottleOf(options.authThrottle), managementCallsPerMinute: options.managementCallsPerMinute ?? 0, webhooks: { keySecret: TEST_KEY_SECRET, allowedHosts: options.webhookHosts ?? null, ...(options.webhookMaxEndpoints ? { maxEndpoints: options.webhookMaxEndpoints } : {}) }, trustProxy: options.trustProxy ?? null, ...(options.gateway ? { gateway: { ...DEFAULT_GATEWAY, ...options.gateway } } : {}), ...(options.dashboardRoot ? { dashboardRoot: options.dashboardRoot } : {}) });

  const call: TestServer['call'] = async ({ key, admin, body, headers, ...rest }) => {
    const response = await app.inject({
      ...rest,
      headers: { ...(key ? { 'x-api-key': key } : {}), ...(admin ? { 'x-admin-key': ADMIN_KEY } : {}), ...(headers ?? {}) },
      ...(body !== undefined ? { payload: body as object } : {}),
    } as InjectOptions);
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  };

  return {
    app,
    store,
    clock,
    call,
    async tenant(o = {}) {
      const org = await call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'Acme', plan_tier: o.plan_tier ?? 'enterprise', rate_limits: o.rate_limits ?? {}, ...(o.subscription ? { subscription: o.subscription } : {}) } });
      if (org.status !== 201) throw new Error(`create organization: ${org.status} ${JSON.stringify(org.body)}`);
      const ns = await call({ method: 'POST', url: `/admin/organizations/${org.body.id}/namespaces`, admin: true, body: { name: 'production', ...(o.namespace ?? {}) } });
      const key = await call({ method: 'POST', url: `/admin/namespaces/${ns.body.id}/api-keys`, admin: true, body: { name: 'test', ...(o.permissions ? { permissions: o.permissions } : {}) } });
      return { orgId: org.body.id, nsId: ns.body.id, key: key.body.key, keyId: key.body.id };
    },
    async close() {
      await app.close();
      await meter.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function authThrottleOf(given: Partial<AuthThrottleConfig> | undefined): AuthThrottleConfig {
  return given ? { ...DEFAULT_AUTH_THROTTLE, ...given } : { ...DEFAULT_AUTH_THROTTLE, maxFailuresPerClient: 0, maxFailuresPerKey: 0 };
}
