import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/** Issue 12: what became of each event, for the organization (its endpoints' deliveries) and the operator (the outbox, dead letters). */
let s: TestServer;
let t: Awaited<ReturnType<TestServer['tenant']>>;
let orgKey: string;
let hookId: string;
beforeEach(async () => {
  s = await startServer();
  t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 10 } });
  orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
  hookId = (await s.call({ method: 'POST', url: '/v1/webhooks', key: orgKey, body: { url: 'https://hooks.example.com/in', event_types: ['usage.threshold'] } })).body.id;
  // Two memories at 4 interactions each: the second takes the organization from 4 to 8 of 10, past 80 %.
  for (let i = 0; i < 2; i++) expect((await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: `memory ${i}` } })).status).toBe(200);
});
afterEach(async () => s.close());

describe('outbox routes', () => {
  it("an organization key sees its endpoint's deliveries, pending with no attempt yet; another organization's endpoint is not found", async () => {
    const res = await s.call({ method: 'GET', url: `/v1/webhooks/${hookId}/deliveries`, key: orgKey });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ topic: 'webhook', type: 'usage.threshold', endpoint_id: hookId, state: 'pending', attempts: 0, last_error: null, delivered_at: null, data: { threshold_percent: 80, used: 8, used_before: 4 } });
    expect(res.body.items[0].next_attempt_at).toEqual(expect.any(String));
    const other = await s.tenant();
    const otherKey = (await s.call({ method: 'POST', url: `/admin/organizations/${other.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    expect((await s.call({ method: 'GET', url: `/v1/webhooks/${hookId}/deliveries`, key: otherKey })).status).toBe(404);
    expect((await s.call({ method: 'GET', url: `/v1/webhooks/${hookId}/deliveries`, key: t.key })).status).toBe(403);
  });

  it('the operator lists dead letters and puts them back; bad filters are 400 and change nothing', async () => {
    const [entry] = await s.store.outbox.lease({ topic: 'webhook', owner: 'test', nowMs: s.clock.now(), leaseMs: 1_000, limit: 10 });
    await s.store.outbox.settle('test', [{ id: entry!.id, state: 'failed', error: 'HTTP 410: gone', status: 410 }]);
    const failed = await s.call({ method: 'GET', url: `/admin/outbox?state=failed&organization_id=${t.orgId}`, admin: true });
    expect(failed.status).toBe(200);
    expect(failed.body.items).toMatchObject([{ id: entry!.id, state: 'failed', attempts: 1, last_status: 410, last_error: 'HTTP 410: gone' }]);
    expect((await s.call({ method: 'GET', url: `/admin/organizations/${t.orgId}/webhooks/${hookId}/deliveries?state=failed`, admin: true })).body.items).toHaveLength(1);
    for (const url of ['/admin/outbox?state=lost', '/admin/outbox?limit=0', '/admin/outbox?limit=5000', '/admin/outbox?topic=email', '/admin/outbox?extra=1']) {
      const bad = await s.call({ method: 'GET', url, admin: true });
      expect(bad.status, url).toBe(400);
    }
    expect((await s.call({ method: 'POST', url: '/admin/outbox/retry', admin: true, body: {} })).status).toBe(400);
    expect((await s.call({ method: 'POST', url: '/admin/outbox/retry', admin: true, body: { ids: [] } })).status).toBe(400);
    expect((await s.call({ method: 'GET', url: '/admin/outbox?state=failed', key: orgKey })).status).toBe(401);
    const retried = await s.call({ method: 'POST', url: '/admin/outbox/retry', admin: true, body: { organization_id: t.orgId } });
    expect(retried.body).toEqual({ retried: 1 });
    expect((await s.call({ method: 'GET', url: `/admin/outbox?state=pending&organization_id=${t.orgId}`, admin: true })).body.items).toMatchObject([{ id: entry!.id, attempts: 0 }]);
  });
});
