import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => s.close());

const add = (key: string, content = 'a memory') => s.call({ method: 'POST', url: '/v1/memory', key, body: { content } });

describe('limits over HTTP', () => {
  it('developer tier: 250 adds pass, the 251st is refused with the DESIGN §4 body; usage then shows 1000 used and 1 refused', async () => {
    const t = await s.tenant({ plan_tier: 'developer', rate_limits: { rate_limit_per_minute: 10_000 } });
    for (let i = 0; i < 250; i++) {
      const r = await add(t.key, `memory ${i}`);
      if (r.status !== 200) throw new Error(`add ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const refused = await add(t.key);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: expect.stringMatching(/^Interaction limit reached/),
      message: expect.stringMatching(/1000 of 1000/),
      current_count: 1000,
      limit: 1000,
      operation_cost: 4,
      operation: 'add_memory_v1',
      tier: 'developer',
      is_trial: false,
      scope: 'organization',
      error_code: 'QUOTA_EXCEEDED',
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBe((Date.parse('2026-12-01T00:00:00Z') - s.clock.now()) / 1000);
    const usage = (await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body;
    expect(usage.interactions.mini).toMatchObject({ used: 1000, limit: 1000, remaining: 0 });
    expect(usage.refused).toBe(1);
    expect(usage.by_operation_type).toEqual([{ operation_type: 'add_memory_v1', interactions: 1000, calls: 250, refused: 1 }]);
  });

  it('rate limit: on the developer tier the 11th call in a minute is refused with Retry-After; successes carry the headers', async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    s.clock.set('2026-11-15T12:00:05.000Z');
    for (let i = 0; i < 10; i++) {
      const r = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } });
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-remaining': String(9 - i), 'ratelimit-reset': '55', 'x-usage-limit': '1000', 'x-usage-remaining': String(999 - i) });
      expect(r.headers['x-usage-reset']).toBe('2026-12-01T00:00:00.000Z');
    }
    const eleventh = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toMatchObject({ error_code: 'RATE_LIMITED', limit: 10 });
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(0);
    expect(eleventh.headers['ratelimit-remaining']).toBe('0');
    // The refused call cost nothing.
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.interactions.mini.used).toBe(10);
    // After the Retry-After, a call passes again.
    s.clock.advance(Number(eleventh.headers['retry-after']) * 1000);
    expect((await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } })).status).toBe(200);
  });

  it("rate limit: the plan's 10 a minute hold for the organization, however many keys and namespaces share it (issue 17: three keys got 30 calls through)", async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    const staging = await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/namespaces`, admin: true, body: { name: 'staging' } });
    const mint = async (nsId: string) => (await s.call({ method: 'POST', url: `/admin/namespaces/${nsId}/api-keys`, admin: true, body: { name: 'minted' } })).body.key as string;
    const keys = [t.key, await mint(t.nsId), await mint(staging.body.id)];
    s.clock.set('2026-11-15T12:00:05.000Z');
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await s.call({ method: 'POST', url: '/v1/memory/search', key: keys[i % 3]!, body: { query: 'x' } })).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    const refused = await s.call({ method: 'POST', url: '/v1/memory/search', key: keys[2]!, body: { query: 'x' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error_code: 'RATE_LIMITED', limit: 10, scope: 'organization', message: expect.stringMatching(/at most 10 calls per minute for this organization/) });
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0' });
  });

  it('active memories: an add past max_active_memories → 429 naming that limit; delete releases it', async () => {
    const t = await s.tenant({ rate_limits: { max_active_memories: 2 } });
    const first = (await add(t.key, 'one')).body.data[0].memoryId;
    await add(t.key, 'two');
    const third = await add(t.key, 'three');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'max_active_memories', limit: 2 });
    const batch = await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: [{ content: 'x' }] } });
    expect(batch.status).toBe(429);
    expect((await s.call({ method: 'DELETE', url: `/v1/memory/${first}`, key: t.key })).status).toBe(200);
    expect((await add(t.key, 'three again')).status).toBe(200);
    expect((await s.call({ method: 'DELETE', url: '/v1/memory/all', key: t.key })).body.total_processed).toBe(2);
    expect((await add(t.key, 'fresh')).status).toBe(200);
    expect((await add(t.key, 'fresh 2')).status).toBe(200);
  });

  it('storage: an add past max_storage_gb → 429 naming that limit', async () => {
    // 1e-5 GB ≈ 10,737 bytes.
    const t = await s.tenant({ rate_limits: { max_storage_gb: 0.00001 } });
    expect((await add(t.key, 'x'.repeat(10_000))).status).toBe(200);
    const over = await add(t.key, 'y'.repeat(1_000));
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'max_storage_gb' });
  });

  it('storage: a PUT that grows a memory past max_storage_gb → 429, the memory unchanged and the call free; metadata counts; a delete gives back every byte', async () => {
    // The case of issue 11: 10,737 bytes allowed, 9,004 held, a PUT to 9,000 bytes of content.
    const t = await s.tenant({ rate_limits: { max_storage_gb: 0.00001 } });
    const first = (await add(t.key, 'x'.repeat(9_000))).body.data[0].memoryId;
    const small = (await add(t.key, 'y'.repeat(4))).body.data[0].memoryId;
    const usage = async () => (await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body;
    const before = await usage();
    const put = await s.call({ method: 'PUT', url: `/v1/memory/${small}`, key: t.key, body: { content: 'z'.repeat(9_000) } });
    expect(put.status).toBe(429);
    expect(put.body).toMatchObject({ error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'max_storage_gb', current_count: 9_004, limit: 10_737, requested: 8_996, scope: 'organization' });
    expect(put.headers['x-should-retry']).toBe('false');
    expect((await s.call({ method: 'GET', url: `/v1/memory/${small}`, key: t.key })).body.data.memories[0].content).toBe('yyyy');
    const after = await usage();
    expect(after.interactions.mini.used).toBe(before.interactions.mini.used + 1); // the GET above, not the refused PUT
    expect(after.refused).toBe(before.refused + 1);
    // Metadata is stored, so it takes storage: 1,733 bytes are left, and this one is larger.
    const heavy = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'tiny', metadata: { notes: 'm'.repeat(1_800) } } });
    expect(heavy.status).toBe(429);
    expect(heavy.body).toMatchObject({ limit_name: 'max_storage_gb', current_count: 9_004 });
    const org = s.store.memories.holdings('organization', t.orgId);
    expect(await org).toEqual({ memories: 2, bytes: 9_004 });
    expect((await s.call({ method: 'DELETE', url: `/v1/memory/${first}`, key: t.key })).status).toBe(200);
    expect(await s.store.memories.holdings('organization', t.orgId)).toEqual({ memories: 1, bytes: 4 });
    expect((await s.call({ method: 'PUT', url: `/v1/memory/${small}`, key: t.key, body: { content: 'z'.repeat(9_000) } })).status).toBe(200);
    expect(await s.store.memories.holdings('organization', t.orgId)).toEqual({ memories: 1, bytes: 9_000 });
  });

  it('feedback takes storage in its namespace: bounded per body, refused when storage is full, given back when the namespace goes', async () => {
    const t = await s.tenant({ rate_limits: { max_storage_gb: 0.00001 } });
    const feedback = (text: string) => ({ search_id: 's1', feedbackData: { feedbackSource: 'inline', feedbackType: 'correction', feedbackText: text } });
    const huge = await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, body: feedback('f'.repeat(17_000)) });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'feedbackData', max_bytes: 16_384 });
    const hugeBatch = await s.call({ method: 'POST', url: '/v1/feedback/batch', key: t.key, body: { feedback_items: [feedback('ok'), feedback('f'.repeat(17_000))] } });
    expect(hugeBatch.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'feedback_items[1].feedbackData' });
    const ok = await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, body: feedback('f'.repeat(9_000)) });
    expect(ok.status).toBe(200);
    const held = await s.store.memories.holdings('namespace', t.nsId);
    expect(held.memories).toBe(0);
    expect(held.bytes).toBeGreaterThan(9_000);
    // 10,737 bytes in all: a second such body does not fit, is refused and recorded nowhere.
    const full = await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, body: feedback('g'.repeat(9_000)) });
    expect(full.status).toBe(429);
    expect(full.body).toMatchObject({ error_code: 'RESOURCE_LIMIT_EXCEEDED', limit_name: 'max_storage_gb', current_count: held.bytes });
    expect(await s.store.memories.holdings('organization', t.orgId)).toEqual(held);
    // The feedback is read back in its namespace; deleting the namespace gives its bytes back.
    expect((await s.call({ method: 'GET', url: `/v1/feedback/${ok.body.feedback_id}`, key: t.key })).status).toBe(200);
    const orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    expect((await s.call({ method: 'DELETE', url: `/v1/namespace/${t.nsId}`, key: orgKey })).status).toBe(200);
    expect(await s.store.memories.holdings('organization', t.orgId)).toEqual({ memories: 0, bytes: 0 });
    expect(await s.store.feedback.get(t.nsId, ok.body.feedback_id)).toBeNull();
  });

  it('subscriptions: past_due is refused with 403 and its status; trialing runs on free_trial', async () => {
    const pastDue = await s.tenant({ subscription: { status: 'past_due' } });
    const r = await add(pastDue.key);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error_code: 'SUBSCRIPTION_INACTIVE', subscription_status: 'past_due' });
    expect(r.body.message).not.toMatch(/free trial/i);
    const trial = await s.tenant({ plan_tier: 'growth', subscription: { status: 'trialing', trial_ends_at: '2026-12-15T00:00:00Z' } });
    const usage = (await s.call({ method: 'GET', url: '/v1/usage', key: trial.key })).body;
    expect(usage.plan).toMatchObject({ tier: 'free_trial', is_trial: true });
    expect(usage.interactions.mini.limit).toBe(2500);
  });

  it('keys: a revoked key → 401 at once; a read-only key cannot add (403); unknown and missing keys → 401', async () => {
    const t = await s.tenant();
    expect((await add(t.key)).status).toBe(200);
    expect((await s.call({ method: 'DELETE', url: `/admin/api-keys/${t.keyId}`, admin: true })).status).toBe(200);
    const revoked = await add(t.key);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toMatchObject({ error_code: 'INVALID_API_KEY', reason: 'revoked' });

    const readOnly = await s.tenant({ permissions: ['read'] });
    const denied = await add(readOnly.key);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error_code: 'PERMISSION_DENIED', required_permission: 'write' });
    expect((await s.call({ method: 'POST', url: '/v1/memory/search', key: readOnly.key, body: { query: 'x' } })).status).toBe(200);
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: readOnly.key })).body.interactions.mini.used).toBe(1);

    expect((await s.call({ method: 'POST', url: '/v1/memory', body: { content: 'x' } })).status).toBe(401);
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: 'tg_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', body: { content: 'x' } })).status).toBe(401);
    const bearer = await s.call({ method: 'POST', url: '/v1/memory/search', headers: { authorization: `Bearer ${readOnly.key}` }, body: { query: 'x' } });
    expect(bearer.status).toBe(200);
    const apiKeyScheme = await s.call({ method: 'POST', url: '/v1/memory/search', headers: { authorization: `APIKey ${readOnly.key}` }, body: { query: 'x' } });
    expect(apiKeyScheme.status).toBe(200);
  });

  it('an inactive namespace → 403', async () => {
    const t = await s.tenant();
    await s.call({ method: 'PATCH', url: `/admin/namespaces/${t.nsId}`, admin: true, body: { is_active: false } });
    const r = await add(t.key);
    expect(r.status).toBe(403);
    expect(r.body.error_code).toBe('NAMESPACE_INACTIVE');
  });
});
