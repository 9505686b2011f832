import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretSeal } from '../../src/billing/secret-seal.js';
import { TEST_KEY_SECRET } from '../support/world.js';
import { startServer, type TestServer } from './support/server.js';

/** Issue 12: webhook endpoints per organization, with a signing secret shown once and kept sealed. */
let s: TestServer;
let t: Awaited<ReturnType<TestServer['tenant']>>;
let orgKey: string;
beforeEach(async () => {
  s = await startServer();
  t = await s.tenant();
  orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
});
afterEach(async () => s.close());

const create = (key: string, body: object) => s.call({ method: 'POST', url: '/v1/webhooks', key, body });

describe('webhook endpoints', () => {
  it('an organization key adds one: 201 with its whsec_ secret, shown once; the store keeps it sealed', async () => {
    const created = await create(orgKey, { url: 'https://hooks.example.com/tollgate', event_types: ['usage.threshold', 'key.revoked'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^wh_/), organization_id: t.orgId, url: 'https://hooks.example.com/tollgate', event_types: ['usage.threshold', 'key.revoked'] });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await s.call({ method: 'GET', url: '/v1/webhooks', key: orgKey });
    expect(listed.body.items).toEqual([{ id: created.body.id, organization_id: t.orgId, url: 'https://hooks.example.com/tollgate', event_types: ['usage.threshold', 'key.revoked'], created_at: expect.any(String) }]);
    const [stored] = await s.store.webhooks.list(t.orgId);
    expect(stored!.sealedSecret).not.toContain(created.body.secret.slice(6));
    expect(createSecretSeal(TEST_KEY_SECRET, 'webhook secrets').open(stored!.sealedSecret)).toBe(created.body.secret);
    expect(createSecretSeal('another-secret-0123456789-abcdefghijklmnop', 'webhook secrets').open(stored!.sealedSecret)).toBeNull();
  });

  it('refuses what could turn Tollgate against its own network or the receiver: other schemes, this machine, private and metadata addresses, credentials in the URL', async () => {
    for (const url of ['ftp://hooks.example.com/x', 'http://localhost:8080/admin', 'http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/', 'http://[::1]/', 'http://[::ffff:192.168.1.1]/', 'https://user:pw@hooks.example.com/', 'not a url']) {
      const refused = await create(orgKey, { url, event_types: ['usage.threshold'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({ error_code: 'VALIDATION_FAILED', details: { field: 'body.url' } });
    }
    const unknown = await create(orgKey, { url: 'https://hooks.example.com/', event_types: ['usage.everything'] });
    expect(unknown.status).toBe(400);
    expect(await s.store.webhooks.list(t.orgId)).toEqual([]);
  });

  it('an operator may allow only some hosts, private ones included', async () => {
    await s.close();
    s = await startServer({ webhookHosts: ['127.0.0.1', '*.internal.example'] });
    t = await s.tenant();
    orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    expect((await create(orgKey, { url: 'http://127.0.0.1:9999/hook', event_types: ['usage.refused'] })).status).toBe(201);
    expect((await create(orgKey, { url: 'https://billing.internal.example/hook', event_types: ['usage.refused'] })).status).toBe(201);
    expect((await create(orgKey, { url: 'https://hooks.example.com/hook', event_types: ['usage.refused'] })).status).toBe(400);
  });

  it('only an organization key with write adds, a namespace key is refused; another organization sees and deletes nothing', async () => {
    expect((await create(t.key, { url: 'https://hooks.example.com/', event_types: ['usage.threshold'] })).status).toBe(403);
    const readOnly = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'ro', permissions: ['read'] } })).body.key;
    expect((await create(readOnly, { url: 'https://hooks.example.com/', event_types: ['usage.threshold'] })).status).toBe(403);
    const id = (await create(orgKey, { url: 'https://hooks.example.com/', event_types: ['usage.threshold'] })).body.id;
    expect((await s.call({ method: 'GET', url: '/v1/webhooks', key: readOnly })).body.items).toHaveLength(1);
    const other = await s.tenant();
    const otherOrgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${other.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    expect((await s.call({ method: 'GET', url: '/v1/webhooks', key: otherOrgKey })).body.items).toEqual([]);
    expect((await s.call({ method: 'DELETE', url: `/v1/webhooks/${id}`, key: otherOrgKey })).status).toBe(404);
    expect((await s.call({ method: 'DELETE', url: `/v1/webhooks/${id}`, key: orgKey })).status).toBe(204);
    expect((await s.call({ method: 'DELETE', url: `/v1/webhooks/${id}`, key: orgKey })).status).toBe(404);
  });

  it('the operator manages any organization\'s, and an organization has at most 20', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/webhooks`, admin: true, body: { url: `https://hooks.example.com/${i}`, event_types: ['plan.changed'] } });
      expect(r.status).toBe(201);
    }
    const over = await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/webhooks`, admin: true, body: { url: 'https://hooks.example.com/20', event_types: ['plan.changed'] } });
    expect(over).toMatchObject({ status: 429, body: { error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'webhook_endpoints' } });
    const listed = await s.call({ method: 'GET', url: `/admin/organizations/${t.orgId}/webhooks`, admin: true });
    expect(listed.body.items).toHaveLength(20);
    expect((await s.call({ method: 'DELETE', url: `/admin/organizations/${t.orgId}/webhooks/${listed.body.items[0].id}`, admin: true })).status).toBe(204);
    expect((await s.call({ method: 'GET', url: '/admin/organizations/org_nope/webhooks', admin: true })).status).toBe(404);
  });
});
