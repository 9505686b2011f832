import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/**
 * GET /v1/usage's sections for the dashboard: the limits of every scope, every day of the period,
 * the namespaces and the API keys with their own limits, last use and remaining caps.
 */
let s: TestServer;
let orgId: string;
const ns: Record<'production' | 'staging', string> = { production: '', staging: '' };
const keys: Record<'prod' | 'staging' | 'org', { id: string; key: string }> = { prod: { id: '', key: '' }, staging: { id: '', key: '' }, org: { id: '', key: '' } };

const usage = async (key: string, query = '') => {
  const r = await s.call({ method: 'GET', url: `/v1/usage${query}`, key });
  expect(r.status).toBe(200);
  return r.body;
};
const add = (key: string) => s.call({ method: 'POST', url: '/v1/memory', key, body: { content: 'a note' } });
const search = (key: string) => s.call({ method: 'POST', url: '/v1/memory/search', key, body: { query: 'note' } });
const byId = (items: any[], field: string): Record<string, any> => Object.fromEntries(items.map((i) => [i[field], i]));

beforeAll(async () => {
  // search_v1 is premium here, so both interaction types have usage.
  s = await startServer({ operations: { search_v1: { type: 'premium' } } });
  const admin = (method: 'POST' | 'DELETE', url: string, body?: object) => s.call({ method, url, admin: true, ...(body ? { body } : {}) });
  orgId = (await admin('POST', '/admin/organizations', { name: 'Initech', plan_tier: 'starter' })).body.id;
  ns.production = (await admin('POST', `/admin/organizations/${orgId}/namespaces`, { name: 'production' })).body.id;
  ns.staging = (await admin('POST', `/admin/organizations/${orgId}/namespaces`, { name: 'staging', rate_limits: { max_mini_interactions_per_month: 20 } })).body.id;
  const issue = async (url: string, body: object) => {
    const r = await admin('POST', url, body);
    return { id: r.body.id as string, key: r.body.key as string };
  };
  keys.prod = await issue(`/admin/namespaces/${ns.production}/api-keys`, { name: 'backend', monthly_cap: { mini: 100 } });
  keys.staging = await issue(`/admin/namespaces/${ns.staging}/api-keys`, { name: 'staging ci' });
  keys.org = await issue(`/admin/organizations/${orgId}/api-keys`, { name: 'scripts' });
  const revoked = await issue(`/admin/namespaces/${ns.staging}/api-keys`, { name: 'old, never used' });
  await admin('DELETE', `/admin/api-keys/${revoked.id}`);

  s.clock.set('2026-10-20T09:00:00Z');
  expect((await add(keys.prod.key)).status).toBe(200);
  s.clock.set('2026-11-15T12:00:00Z');
  for (let i = 0; i < 2; i++) expect((await add(keys.prod.key)).status).toBe(200);
  expect((await search(keys.prod.key)).status).toBe(200);
  for (let i = 0; i < 5; i++) expect((await add(keys.staging.key)).status).toBe(200);
  expect((await add(keys.staging.key)).status).toBe(429); // the staging namespace's 20 are used
  expect((await add(keys.org.key)).status).toBe(200); // an organization key adds to the first namespace
  s.clock.set('2026-11-16T08:00:00Z');
  for (let i = 0; i < 2; i++) expect((await search(keys.prod.key)).status).toBe(200);
});
afterAll(async () => s.close());

describe('GET /v1/usage: the sections the dashboard shows', () => {
  it('an organization key: limits of every scope, the namespaces with their own limits, the keys with caps and last use', async () => {
    await expect.poll(async () => (await usage(keys.org.key)).api_keys.every((k: any) => k.last_used_at !== null), { timeout: 5_000 }).toBe(true);
    const r = await usage(keys.org.key);
    // The fields that were there before stay as they were.
    expect(r).toMatchObject({ organization_name: 'Initech', scope: 'organization', period: { key: '2026-11' }, plan: { tier: 'starter' }, refused: 1 });
    expect(r.interactions).toEqual({ mini: { used: 32, calls: 8, limit: 50_000, remaining: 49_968 }, premium: { used: 3, calls: 3, limit: 500, remaining: 497 } });

    expect(r.limits).toEqual({ mini: { organization: 50_000, namespace: null, api_key: null }, premium: { organization: 500, namespace: null, api_key: null } });
    expect(r.namespaces.map((n: any) => n.name)).toEqual(['production', 'staging']);
    const namespaces = byId(r.namespaces, 'namespace_id');
    expect(namespaces[ns.production]).toEqual({
      namespace_id: ns.production,
      name: 'production',
      environment_type: 'production',
      is_active: true,
      refused: 0,
      interactions: { mini: { used: 12, calls: 3, limit: null, remaining: null }, premium: { used: 3, calls: 3, limit: null, remaining: null } },
    });
    expect(namespaces[ns.staging]).toMatchObject({ refused: 1, interactions: { mini: { used: 20, calls: 5, limit: 20, remaining: 0 }, premium: { used: 0, limit: null } } });

    // The revoked key that was never used is left out; the others are there with their figures.
    expect(r.api_keys.map((k: any) => k.name)).toEqual(['backend', 'scripts', 'staging ci']);
    const apiKeys = byId(r.api_keys, 'api_key_id');
    expect(apiKeys[keys.prod.id]).toMatchObject({
      name: 'backend',
      prefix: expect.any(String),
      kind: 'namespace',
      namespace_id: ns.production,
      is_active: true,
      revoked_at: null,
      refused: 0,
      interactions: { mini: { used: 8, calls: 2, limit: 100, remaining: 92 }, premium: { used: 3, calls: 3, limit: null, remaining: null } },
    });
    expect(keys.prod.key.startsWith(apiKeys[keys.prod.id].prefix)).toBe(true);
    expect(Date.parse(apiKeys[keys.prod.id].last_used_at)).toBeGreaterThanOrEqual(Date.parse('2026-11-15T12:00:00Z'));
    expect(apiKeys[keys.org.id]).toMatchObject({ kind: 'organization', namespace_id: null, interactions: { mini: { used: 4, limit: null } } });
    expect(apiKeys[keys.staging.id]).toMatchObject({ refused: 1, interactions: { mini: { used: 20, remaining: null } } });
    for (const k of r.api_keys) expect(k).not.toHaveProperty('hash');
    // Top keys: most interactions first (staging ci 20, backend 8+3 premium, scripts 4).
    expect(r.top_api_keys.map((k: any) => [k.api_key_id, k.interactions])).toEqual([
      [keys.staging.id, 20],
      [keys.prod.id, 11],
      [keys.org.id, 4],
    ]);

    // Every day of the period up to today, zeros included; the days add up to the totals.
    expect(r.daily).toHaveLength(16);
    expect(r.daily[0]).toEqual({ day: '2026-11-01', mini: 0, premium: 0, calls: 0, refused: 0 });
    expect(r.daily[14]).toEqual({ day: '2026-11-15', mini: 32, premium: 1, calls: 9, refused: 1 });
    expect(r.daily[15]).toEqual({ day: '2026-11-16', mini: 0, premium: 2, calls: 2, refused: 0 });
    const sum = (field: 'mini' | 'premium') => r.daily.reduce((total: number, d: any) => total + d[field], 0);
    expect([sum('mini'), sum('premium')]).toEqual([r.interactions.mini.used, r.interactions.premium.used]);
  });

  it('the admin reads the same report for any organization', async () => {
    for (const query of ['', '?month=2026-10', `?namespace_id=${ns.staging}`]) {
      const admin = await s.call({ method: 'GET', url: `/admin/organizations/${orgId}/usage${query}`, admin: true });
      expect(admin.body).toEqual(await usage(keys.org.key, query));
    }
  });

  it('a past month: all of its days, its own figures', async () => {
    const r = await usage(keys.org.key, '?month=2026-10');
    expect(r.daily).toHaveLength(31);
    expect(r.daily.find((d: any) => d.day === '2026-10-20')).toMatchObject({ mini: 4, calls: 1 });
    expect(byId(r.namespaces, 'namespace_id')[ns.production].interactions.mini.used).toBe(4);
    expect(byId(r.api_keys, 'api_key_id')[keys.prod.id].interactions.mini).toMatchObject({ used: 4, remaining: 96 });
  });

  it('narrowed to a namespace or a key: the sections follow, with the limits of that scope', async () => {
    const staging = await usage(keys.staging.key);
    expect(staging.scope).toBe('namespace');
    expect(staging.limits.mini).toEqual({ organization: 50_000, namespace: 20, api_key: null });
    expect(staging.namespaces.map((n: any) => n.namespace_id)).toEqual([ns.staging]);
    expect(staging.api_keys.map((k: any) => k.api_key_id)).toEqual([keys.staging.id]);

    // The organization key's add landed in production: it shows among production's keys.
    const production = await usage(keys.org.key, `?namespace_id=${ns.production}`);
    expect(production.api_keys.map((k: any) => k.api_key_id).sort()).toEqual([keys.prod.id, keys.org.id].sort());

    const backend = await usage(keys.org.key, `?api_key_id=${keys.prod.id}`);
    expect(backend.limits.mini).toEqual({ organization: 50_000, namespace: null, api_key: 100 });
    expect(backend.api_keys).toHaveLength(1);
    expect(backend.namespaces.map((n: any) => n.namespace_id)).toEqual([ns.production]);
    expect(backend.namespaces[0].interactions.mini.used).toBe(8);
  });

  it('one rule for every surface: another key\'s details only for a key that manages keys; the functions answer what /v1/usage would', async () => {
    // The production key sees the organization key's usage in its namespace, not its name, prefix or permissions.
    const production = byId((await usage(keys.prod.key)).api_keys, 'api_key_id');
    expect(production[keys.prod.id]).toMatchObject({ name: 'backend', permissions: expect.any(Array) });
    expect(production[keys.org.id]).toMatchObject({ kind: 'organization', name: null, prefix: null, permissions: null, interactions: { mini: { used: 4 } } });
    // The organization key (read, write, delete) manages keys: it sees every key's details.
    const all = byId((await usage(keys.org.key)).api_keys, 'api_key_id');
    expect(all[keys.prod.id]).toMatchObject({ name: 'backend', prefix: expect.any(String) });

    const fn = (name: string, key: string, body: object) => s.call({ method: 'POST', url: `/functions/${name}`, key, body: { month: 10, year: 2026, ...body } });
    const writeOnly = (await s.call({ method: 'POST', url: `/admin/namespaces/${ns.production}/api-keys`, admin: true, body: { name: 'writer', permissions: ['write'] } })).body.key;
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: writeOnly })).status).toBe(403);
    expect((await fn('getNamespaceInteractions', writeOnly, { namespaceId: ns.production })).status).toBe(403);
    expect((await fn('getOrganizationInteractions', keys.prod.key, { organizationId: orgId })).status).toBe(403);
    expect((await fn('getNamespaceInteractions', keys.prod.key, { namespaceId: ns.staging })).status).toBe(403);
    expect((await fn('getApiKeyInteractions', keys.prod.key, { apiKeyId: keys.staging.id })).status).toBe(403);
    const own = await fn('getNamespaceInteractions', keys.prod.key, { namespaceId: ns.production });
    expect(own.status).toBe(200);
    expect(own.body.result.total).toBe((await usage(keys.prod.key, '?month=2026-10')).interactions.mini.used + (await usage(keys.prod.key, '?month=2026-10')).interactions.premium.used);
    expect((await fn('getOrganizationInteractions', keys.org.key, { organizationId: orgId })).status).toBe(200);
    // The admin asks by id alone; an id no organization has is a 404 for it.
    expect((await s.call({ method: 'POST', url: '/functions/getNamespaceInteractions', admin: true, body: { namespaceId: 'ns_nope', month: 10, year: 2026 } })).status).toBe(404);
  });

  it('paged: each per-namespace and per-key list carries one page (100 entries by default) and its total', async () => {
    const big = await s.tenant();
    for (let i = 0; i < 120; i++) await s.call({ method: 'POST', url: `/admin/namespaces/${big.nsId}/api-keys`, admin: true, body: { name: `k${String(i).padStart(3, '0')}` } });
    const first = await usage((await s.call({ method: 'POST', url: `/admin/organizations/${big.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key);
    expect(first.api_keys).toHaveLength(100);
    expect(first.page).toEqual({ offset: 0, limit: 100, totals: { namespaces: 1, api_keys: 122, by_namespace: 0, by_api_key: 0 } });
    const orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${big.orgId}/api-keys`, admin: true, body: { name: 'org 2' } })).body.key;
    const rest = await usage(orgKey, '?offset=100&limit=50');
    // A second organization key since: 123 keys, the last 23 on the page from 100.
    expect(rest.page.totals.api_keys).toBe(123);
    expect(rest.api_keys).toHaveLength(23);
    expect((await s.call({ method: 'GET', url: '/v1/usage?limit=1001', key: orgKey })).status).toBe(400);
    const admin = await s.call({ method: 'GET', url: `/admin/organizations/${big.orgId}/usage?limit=10`, admin: true });
    expect(admin.body.api_keys).toHaveLength(10);
  });

  it('metered billing: the organization\'s report shows, per type, what is included, used and overage; others show no billing', async () => {
    const metered = await s.tenant({ plan_tier: 'developer', rate_limits: { max_mini_interactions_per_month: 4, rate_limit_per_minute: 1_000 }, subscription: { metered_billing: true } });
    for (let i = 0; i < 3; i++) expect((await add(metered.key)).status).toBe(200);
    const orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${metered.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    const report = await usage(orgKey);
    expect(report.billing).toEqual({ mini: { included: 4, used: 12, overage: 8, ceiling: null }, premium: { included: 500, used: 0, overage: 0, ceiling: null } });
    expect((await usage(metered.key)).billing).toBeNull();
    expect((await usage(keys.org.key)).billing).toBeNull();
  });
});

