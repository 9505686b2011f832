/**
 * Issue 14: the unmodified official client (`@papr/memory` 2.8.0), pointed at Tollgate in gateway mode
 * in front of a real upstream, calls every method it has. Each call is forwarded (or, for the routes
 * Tollgate serves itself, answered here), priced as the catalogue says, and the organization's usage
 * moves by exactly what the answers said they cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogue } from '../../src/core/catalogue.js';
import { PAPR_ROUTES } from '../../src/gateway/papr-routes.js';
import type { TestServer } from '../http/support/server.js';
import Papr from '@papr/memory';
import { PAPR_CLIENT_CALLS } from '../support/papr-client-calls.js';
import type { Upstream } from '../support/upstream.js';
import { startGateway, type TestGateway } from './support/gateway.js';

describe('the official client through the gateway', () => {
  let g: TestGateway;
  let upstream: Upstream;
  let s: TestServer;
  let base: string;
  let t: TestGateway['tenant'];

  beforeAll(async () => {
    g = await startGateway();
    ({ upstream, server: s, base, tenant: t } = g);
  });
  afterAll(() => g.close());

  it(`calls all ${PAPR_CLIENT_CALLS.length} methods: each priced as the catalogue says, the usage moving by the sum`, async () => {
    const catalogue = createCatalogue();
    // The client as a user builds it; its public `fetch` option only lets the test see each answer.
    let last: Response | null = null;
    const client = new Papr({
      baseURL: base,
      xAPIKey: t.key,
      maxRetries: 0,
      timeout: 5_000,
      fetch: async (input, init) => (last = await fetch(input, init)).clone(),
    });
    const usage = async () => (await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.interactions.mini.used as number;
    const before = await usage();
    let charged = 0;
    const served: string[] = [];
    const refused: string[] = [];
    for (const { clientMethod, call } of PAPR_CLIENT_CALLS) {
      const route = PAPR_ROUTES.find((r) => r.clientMethod === clientMethod);
      upstream.reset();
      last = null;
      const outcome = await call(client).then(
        () => 'ok',
        (error: unknown) => String(error),
      );
      expect(last, `${clientMethod}: no answer (${outcome})`).not.toBeNull();
      const r = last! as Response;
      const cost = r.headers.get('x-usage-cost');
      if (route === undefined) {
        // The OAuth flow outside /v1 (login, callback, token, me, logout): not in the table, refused, never forwarded or charged.
        expect([r.status, cost, upstream.received.length], clientMethod).toEqual([404, null, 0]);
        refused.push(clientMethod);
        continue;
      }
      const spec = route!.operation === null ? null : catalogue.get(route!.operation)!;
      if (upstream.received.length === 0) {
        // Answered by Tollgate itself: its own tenancy routes (namespaces) are never forwarded.
        expect(route!.path, clientMethod).toMatch(/^\/v1\/namespace/);
        served.push(clientMethod);
        continue;
      }
      expect(r.status, `${clientMethod} → ${r.status}`).toBe(200);
      expect(upstream.received[0]!.method).toBe(route!.method);
      if (spec === null) expect(cost, clientMethod).toBeNull();
      else if (spec.cost.kind === 'fixed') expect(Number(cost), clientMethod).toBe(spec.cost.cost);
      else expect(Number(cost), clientMethod).toBeGreaterThanOrEqual(spec.cost.kind === 'per_item' ? spec.cost.costPerItem * spec.cost.minItems : spec.cost.base);
      charged += Number(cost ?? 0);
    }
    console.info(`official client through the gateway: ${PAPR_CLIENT_CALLS.length} methods, ${PAPR_CLIENT_CALLS.length - served.length - refused.length} forwarded, ${served.length} answered by Tollgate (${served.join(', ')}), ${refused.length} refused (${refused.join(', ')}), ${charged} interactions charged`);
    expect(refused).toHaveLength(5);
    expect(served.length).toBeLessThan(10);
    expect(charged).toBeGreaterThan(0);
    expect(await usage()).toBe(before + charged);
  }, 60_000);
});
