import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/core/errors.js';
import { createHttpMetrics } from '../../src/http/plugins/metrics.js';
import { meterPlugin } from '../../src/http/plugins/meter.js';
import { silentLogger } from '../../src/core/ports.js';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => s.close());

describe('operations surface', () => {
  it('serves the OpenAPI document at /docs/json, listing every error code, and the UI at /docs', async () => {
    const doc = await s.call({ method: 'GET', url: '/docs/json' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.components.schemas.ErrorCode.enum.sort()).toEqual(Object.keys(ERRORS).sort());
    for (const path of ['/v1/memory', '/v1/memory/batch', '/v1/memory/search', '/v1/memory/{memory_id}', '/v1/namespace', '/v1/usage', '/admin/organizations', '/functions/getOrganizationInteractions']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    const page = await s.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/swagger-ui/);
    // Served from the package, nothing from a CDN.
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs|fonts)/);
  });

  it('health, readiness and Prometheus metrics', async () => {
    expect((await s.call({ method: 'GET', url: '/healthz' })).body).toEqual({ status: 'ok' });
    expect((await s.call({ method: 'GET', url: '/readyz' })).body).toEqual({ status: 'ready', store: 'sqlite' });
    const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 4 } });
    await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x' } });
    await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'y' } });
    const metrics = await s.call({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/tollgate_http_requests_total\{method="POST",route="\/v1\/memory",status="200"\} 1/);
    expect(metrics.body).toMatch(/tollgate_charges_total\{outcome="granted",reason="",operation="add_memory_v1"\} 1/);
    expect(metrics.body).toMatch(/tollgate_charges_total\{outcome="refused",reason="QUOTA_EXCEEDED",operation="add_memory_v1"\} 1/);
    expect(metrics.body).toMatch(/tollgate_charge_duration_seconds_bucket/);
  });

  it('the admin API needs the admin key, and answers bad input with 400s naming the field', async () => {
    expect((await s.call({ method: 'GET', url: '/admin/organizations' })).status).toBe(401);
    expect((await s.call({ method: 'GET', url: '/admin/organizations', headers: { 'x-admin-key': 'wrong' } })).status).toBe(401);
    const badTier = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'X', plan_tier: 'platinum' } });
    expect(badTier.status).toBe(400);
    expect(badTier.body.message).toMatch(/unknown tier "platinum"/);
    const badLimit = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'X', rate_limits: { max_widgets: 3 } } });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.message).toMatch(/rate_limits.max_widgets: unknown limit/);
    const badStatus = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'X', subscription: { status: 'zombie' } } });
    expect(badStatus.status).toBe(400);
    expect((await s.call({ method: 'GET', url: '/admin/organizations/org_missing', admin: true })).status).toBe(404);

    const t = await s.tenant();
    const patched = await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { plan_tier: 'growth', subscription: { metered_billing: true } } });
    expect(patched.body).toMatchObject({ plan_tier: 'growth', subscription: { metered_billing: true } });
    const keys = await s.call({ method: 'GET', url: `/admin/namespaces/${t.nsId}/api-keys`, admin: true });
    expect(keys.body.items).toHaveLength(1);
    expect(keys.body.items[0]).not.toHaveProperty('hash');
    expect(keys.body.items[0]).not.toHaveProperty('key');
    await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } });
  });

  it('null in a limit, cap or optional field of the admin API means none (or inherit) — never 0 — and 0 stays 0', async () => {
    const org = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'Nulls', company_id: null, rate_limits: { max_mini_interactions_per_month: null } } });
    expect(org.body).toMatchObject({ company_id: null, rate_limits: { max_mini_interactions_per_month: null } });
    const ns = await s.call({ method: 'POST', url: `/admin/organizations/${org.body.id}/namespaces`, admin: true, body: { name: 'p', rate_limits: { max_mini_interactions_per_month: null, max_premium_interactions_per_month: 0 } } });
    expect(ns.body.rate_limits).toEqual({ max_mini_interactions_per_month: null, max_premium_interactions_per_month: 0 });
    const caps = [];
    for (const monthly_cap of [{ mini: null, premium: 20 }, { mini: 0 }, 7, null]) {
      caps.push((await s.call({ method: 'POST', url: `/admin/namespaces/${ns.body.id}/api-keys`, admin: true, body: { name: 'k', monthly_cap, expires_at: null } })).body.monthly_cap);
    }
    expect(caps).toEqual([{ mini: null, premium: 20 }, { mini: 0, premium: null }, { mini: 7, premium: null }, { mini: null, premium: null }]);
    const uncapped = await s.call({ method: 'POST', url: `/admin/namespaces/${ns.body.id}/api-keys`, admin: true, body: { name: 'no mini cap', monthly_cap: { mini: null, premium: 20 } } });
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: uncapped.body.key, body: { content: 'x' } })).status).toBe(200);
    const anchor = await s.call({ method: 'PATCH', url: `/admin/organizations/${org.body.id}`, admin: true, body: { subscription: { billing_anchor_day: null } } });
    expect(anchor.body.subscription.billing_anchor_day).toBeNull();
    expect((await s.call({ method: 'PATCH', url: `/admin/organizations/${org.body.id}`, admin: true, body: { subscription: { billing_anchor_day: 0 } } })).status).toBe(400);
  });

  it('startup fails for a route that does not declare its operation, or names one outside the catalogue', async () => {
    const build = async (config: Record<string, unknown>) => {
      const app = Fastify();
      await app.register(meterPlugin, {
        meter: { catalogue: { has: (name: string) => name === 'add_memory_v1' } } as never,
        idempotency: {} as never,
        clock: { now: () => 0 },
        refundOnServerError: true,
        idempotencyTtlMs: 1000,
        metrics: createHttpMetrics(),
        logger: silentLogger,
      });
      app.get('/x', { config }, async () => 'ok');
      await app.ready();
      await app.close();
    };
    await expect(build({})).rejects.toThrow(/must declare config.operation/);
    await expect(build({ operation: 'teleport_v1' })).rejects.toThrow(/not in the catalogue/);
    await expect(build({ operation: 'add_memory_v1' })).resolves.toBeUndefined();
    await expect(build({ operation: null })).resolves.toBeUndefined();
  });
});
