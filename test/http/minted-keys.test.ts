import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
  s.clock.set('2026-11-15T12:00:00.000Z');
});
afterEach(async () => s.close());

async function parentKey(orgId: string, body: Record<string, unknown>): Promise<string> {
  const created = await s.call({ method: 'POST', url: `/admin/organizations/${orgId}/api-keys`, admin: true, body: { name: 'parent', ...body } });
  expect(created.status).toBe(201);
  return created.body.key;
}

const mint = (parent: string, nsId: string, body: Record<string, unknown> = {}) =>
  s.call({ method: 'POST', url: `/v1/namespace/${nsId}/api-keys`, key: parent, body: { name: 'minted', ...body } });

describe('a key is never stronger than the key that made it', () => {
  it('a write-only organization key cannot mint read or delete: 400 naming them, and no key is made', async () => {
    const t = await s.tenant();
    const parent = await parentKey(t.orgId, { permissions: ['write'] });
    const asked = await mint(parent, t.nsId, { permissions: ['read', 'write', 'delete'] });
    expect(asked.status).toBe(400);
    expect(asked.body.message).toMatch(/permissions: read, delete not held by the key making it \(it has write\)/);
    const keys = await s.call({ method: 'GET', url: `/admin/namespaces/${t.nsId}/api-keys`, admin: true });
    expect(keys.body.items.map((k: { name: string }) => k.name)).not.toContain('minted');
  });

  it('by default a minted key takes its parent’s permissions, monthly cap and expiry', async () => {
    const t = await s.tenant();
    const parent = await parentKey(t.orgId, { permissions: ['write'], monthly_cap: 5, expires_at: '2026-11-15T12:00:08.000Z' });
    const minted = await mint(parent, t.nsId);
    expect(minted.status).toBe(200);
    expect(minted.body.data.permissions).toEqual(['write']);
    const child = minted.body.data.key as string;
    // The cap of 5 holds for the child: one add (4) passes, the next would pass 5 and is refused.
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: child, body: { content: 'one' } })).status).toBe(200);
    const second = await s.call({ method: 'POST', url: '/v1/memory', key: child, body: { content: 'two' } });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ error_code: 'QUOTA_EXCEEDED', scope: 'api_key', limit: 5 });
    // When the parent expires, so does the child.
    s.clock.advance(9_000);
    const late = await s.call({ method: 'POST', url: '/v1/memory/search', key: child, body: { query: 'one' } });
    expect(late.status).toBe(401);
    expect(late.body.reason).toBe('expired');
  });

  it('one key cannot mint without bound: past max_api_keys (10 on developer) minting is 429 naming the limit; revoking the parent revokes what it minted', async () => {
    const t = await s.tenant({ plan_tier: 'developer', rate_limits: { rate_limit_per_minute: 1_000 } });
    const parent = await parentKey(t.orgId, {});
    const minted: string[] = [];
    // The tenant's key and the parent are 2 of the 10.
    for (let i = 0; i < 8; i++) {
      const r = await mint(parent, t.nsId, { name: `minted ${i}` });
      expect(r.status).toBe(200);
      minted.push(r.body.data.key);
    }
    const eleventh = await mint(parent, t.nsId, { name: 'one too many' });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toMatchObject({ error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'max_api_keys', limit: 10, current_count: 10, scope: 'organization' });
    expect(eleventh.headers['x-should-retry']).toBe('false');
    const parentId = (await s.call({ method: 'GET', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true })).body.items.find((k: { name: string }) => k.name === 'parent').id;
    expect((await s.call({ method: 'DELETE', url: `/admin/api-keys/${parentId}`, admin: true })).status).toBe(200);
    for (const key of minted) expect((await s.call({ method: 'GET', url: '/v1/usage', key })).status).toBe(401);
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).status).toBe(200);
  });
});
