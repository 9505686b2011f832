import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/** Issue 12: under metered billing, an organization caps what it can be billed in a month; a ceiling only narrows. */
let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => s.close());

async function orgKeyOf(orgId: string, permissions?: string[]) {
  return (await s.call({ method: 'POST', url: `/admin/organizations/${orgId}/api-keys`, admin: true, body: { name: 'org', ...(permissions ? { permissions } : {}) } })).body.key as string;
}

describe('spending ceiling', () => {
  it('stops a metered organization at its ceiling, above the included amount, and shows it with the overage', async () => {
    const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 10 }, subscription: { metered_billing: true, billing_customer_id: 'cus_ceiling' } });
    const key = await orgKeyOf(t.orgId);
    const below = await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key, body: { mini: 5 } });
    expect(below.status).toBe(400);
    expect(below.body.message).toMatch(/5 is below the 10 interactions the plan includes/);
    for (const body of [{}, { mini: -1 }, { mini: 1.5 }, { mini: '20' }, { mini: 20, extra: 1 }]) {
      expect((await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key, body })).status, JSON.stringify(body)).toBe(400);
    }
    const set = await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key, body: { mini: 20 } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ mini: { included: 10, ceiling: 20 }, premium: { included: null, ceiling: null } });
    // 4 interactions per memory: 5 fit in 20, the sixth would take the organization to 24.
    for (let i = 0; i < 5; i++) expect((await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: `m${i}` } })).status).toBe(200);
    const sixth = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'm5' } });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error_code).toBe('QUOTA_EXCEEDED');
    const report = await s.call({ method: 'GET', url: '/v1/usage', key });
    expect(report.body.billing.mini).toEqual({ included: 10, used: 20, overage: 10, ceiling: 20 });
    // Removed: the organization is billed for whatever it uses again.
    expect((await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key, body: { mini: null } })).body.mini).toEqual({ included: 10, ceiling: null });
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'm6' } })).status).toBe(200);
  });

  it('is refused for an organization without metered billing, for a read-only or namespace key, and on a namespace', async () => {
    const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 10 } });
    const key = await orgKeyOf(t.orgId);
    const unmetered = await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key, body: { mini: 100 } });
    expect(unmetered.status).toBe(400);
    expect(unmetered.body.message).toMatch(/not on metered billing/);
    const metered = await s.tenant({ subscription: { metered_billing: true } });
    expect((await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key: await orgKeyOf(metered.orgId, ['read']), body: { mini: 1_000_000 } })).status).toBe(403);
    expect((await s.call({ method: 'PUT', url: '/v1/spending-ceiling', key: metered.key, body: { mini: 1_000_000 } })).status).toBe(403);
    const onNamespace = await s.call({ method: 'PATCH', url: `/admin/namespaces/${metered.nsId}`, admin: true, body: { rate_limits: { max_billed_mini_interactions_per_month: 5 } } });
    expect(onNamespace.status).toBe(400);
    expect(onNamespace.body.message).toMatch(/spending ceiling is the organization's, not a namespace's/);
  });
});
