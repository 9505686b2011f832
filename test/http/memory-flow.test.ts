import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => s.close());

const usageOf = async (key: string) => (await s.call({ method: 'GET', url: '/v1/usage', key })).body;

describe('the metered memory API', () => {
  it('the complete flow: an organization key adds a memory; the Interaction record and the dashboard function show it', async () => {
    const org = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'Initech', plan_tier: 'starter' } });
    const ns = await s.call({ method: 'POST', url: `/admin/organizations/${org.body.id}/namespaces`, admin: true, body: { name: 'production' } });
    const orgKey = await s.call({ method: 'POST', url: `/admin/organizations/${org.body.id}/api-keys`, admin: true, body: { name: 'org key' } });
    expect(orgKey.status).toBe(201);
    expect(orgKey.body).toMatchObject({ kind: 'organization', key: expect.stringMatching(/^tg_/) });

    const added = await s.call({ method: 'POST', url: '/v1/memory', key: orgKey.body.key, body: { content: 'Meeting notes: launch moved to March', metadata: { topics: ['launch'] } } });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ code: 200, status: 'success', data: [{ memoryId: expect.stringMatching(/^mem_/), objectId: expect.any(String), createdAt: expect.any(String) }] });

    const records = await s.store.log.interactions({ organizationId: org.body.id });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      organizationId: org.body.id,
      namespaceId: ns.body.id,
      apiKeyId: orgKey.body.id,
      operation: 'add_memory_v1',
      count: 4,
      calls: 1,
      workspaceId: org.body.workspace_id,
      userId: org.body.owner_user_id,
      subscriptionId: org.body.subscription.id,
      month: 11,
      year: 2026,
    });

    const fn = await s.call({ method: 'POST', url: '/functions/getOrganizationInteractions', admin: true, body: { organizationId: org.body.id, month: 11, year: 2026 } });
    expect(fn.status).toBe(200);
    expect(fn.body).toEqual({ result: { total: 4, breakdown: { add_memory_v1: 4 } } });
    const byKey = await s.call({ method: 'POST', url: '/functions/getApiKeyInteractions', key: orgKey.body.key, body: { apiKeyId: orgKey.body.id, month: 11, year: 2026 } });
    expect(byKey.body).toEqual({ result: { total: 4, breakdown: { add_memory_v1: 4 } } });
    const byNamespace = await s.call({ method: 'POST', url: '/functions/getNamespaceInteractions', admin: true, body: { namespaceId: ns.body.id, month: 11, year: 2026 } });
    expect(byNamespace.body.result.total).toBe(4);
  });

  it('add, get, update, search and delete inside a namespace, each charged its price', async () => {
    const t = await s.tenant();
    const added = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'Alice prefers dark mode', external_user_id: 'alice', metadata: { topics: ['ui'] } } });
    const id = added.body.data[0].memoryId;
    const got = await s.call({ method: 'GET', url: `/v1/memory/${id}`, key: t.key });
    expect(got.body).toMatchObject({ status: 'success', data: { memories: [{ id, content: 'Alice prefers dark mode', external_user_id: 'alice', namespace_id: t.nsId }], nodes: [] } });
    const updated = await s.call({ method: 'PUT', url: `/v1/memory/${id}`, key: t.key, body: { content: 'Alice prefers light mode now' } });
    expect(updated.body).toMatchObject({ status: 'success', memory_items: [{ memoryId: id, content: 'Alice prefers light mode now' }] });
    const found = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'light mode' } });
    expect(found.body).toMatchObject({ status: 'success', search_id: expect.any(String), data: { memories: [{ id }], nodes: [] } });
    const deleted = await s.call({ method: 'DELETE', url: `/v1/memory/${id}`, key: t.key });
    expect(deleted.body).toMatchObject({ status: 'success', memoryId: id });
    expect((await s.call({ method: 'GET', url: `/v1/memory/${id}`, key: t.key })).status).toBe(404);
    const usage = await usageOf(t.key);
    // add 4 + get 1 + update 1 + search 1 + delete 1; the failed get is refunded (the catalogue's 4xx rule)
    expect(usage.interactions.mini.used).toBe(8);
    expect(Object.fromEntries(usage.by_operation_type.map((g: any) => [g.operation_type, g.interactions]))).toEqual({
      add_memory_v1: 4,
      get_memory_v1: 1,
      update_memory_v1: 1,
      search_v1: 1,
      delete_memory_v1: 1,
    });
  });

  it('a batch of 3 charges 12; batches of 0 and 51 are refused with 400 and charge nothing', async () => {
    const t = await s.tenant();
    const three = await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: [{ content: 'a' }, { content: 'b' }, { content: 'c' }] } });
    expect(three.status).toBe(200);
    expect(three.body).toMatchObject({ status: 'success', total_processed: 3, total_successful: 3, total_failed: 0, errors: [] });
    expect(three.body.successful).toHaveLength(3);
    expect(three.headers['x-usage-cost']).toBe('12');
    for (const n of [0, 51]) {
      const refused = await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: Array.from({ length: n }, (_, i) => ({ content: `m${i}` })) } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error_code: 'INVALID_BATCH_SIZE', message: expect.stringMatching(/between 1 and 50 items/) });
    }
    expect((await usageOf(t.key)).interactions.mini.used).toBe(12);
  });

  it('search costs 1, 2 and 3 by its flags', async () => {
    const t = await s.tenant();
    const costs = [];
    for (const flags of [{}, { rank_results: true }, { enable_agentic_graph: true }, { enable_agentic_graph: true, rank_results: true }]) {
      const r = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'anything', ...flags } });
      expect(r.status).toBe(200);
      costs.push(Number(r.headers['x-usage-cost']));
    }
    expect(costs).toEqual([1, 2, 2, 3]);
    expect((await usageOf(t.key)).interactions.mini.used).toBe(8);
  });

  it('isolation: a key of namespace A cannot get, search, update or delete a memory of namespace B (404), nor read another organization’s usage (403)', async () => {
    const a = await s.tenant();
    const b = await s.tenant();
    const bMemory = (await s.call({ method: 'POST', url: '/v1/memory', key: b.key, body: { content: 'secret plans of B' } })).body.data[0].memoryId;
    expect((await s.call({ method: 'GET', url: `/v1/memory/${bMemory}`, key: a.key })).status).toBe(404);
    expect((await s.call({ method: 'PUT', url: `/v1/memory/${bMemory}`, key: a.key, body: { content: 'hijack' } })).status).toBe(404);
    expect((await s.call({ method: 'DELETE', url: `/v1/memory/${bMemory}`, key: a.key })).status).toBe(404);
    const search = await s.call({ method: 'POST', url: '/v1/memory/search', key: a.key, body: { query: 'secret plans' } });
    expect(search.body.data.memories).toEqual([]);
    expect((await s.call({ method: 'GET', url: `/v1/memory/${bMemory}`, key: b.key })).body.data.memories[0].content).toBe('secret plans of B');
    // Same organization, another namespace: still invisible.
    const ns2 = await s.call({ method: 'POST', url: `/admin/organizations/${a.orgId}/namespaces`, admin: true, body: { name: 'staging' } });
    const a2 = await s.call({ method: 'POST', url: `/admin/namespaces/${ns2.body.id}/api-keys`, admin: true, body: { name: 'staging key' } });
    const aMemory = (await s.call({ method: 'POST', url: '/v1/memory', key: a.key, body: { content: 'production note' } })).body.data[0].memoryId;
    expect((await s.call({ method: 'GET', url: `/v1/memory/${aMemory}`, key: a2.body.key })).status).toBe(404);

    const otherUsage = await s.call({ method: 'GET', url: `/v1/usage?organization_id=${b.orgId}`, key: a.key });
    expect(otherUsage.status).toBe(403);
    expect(otherUsage.body.error_code).toBe('PERMISSION_DENIED');
    expect((await s.call({ method: 'POST', url: '/functions/getOrganizationInteractions', key: a.key, body: { organizationId: b.orgId, month: 11, year: 2026 } })).status).toBe(403);
    expect((await s.call({ method: 'GET', url: `/v1/usage?namespace_id=${ns2.body.id}`, key: a.key })).status).toBe(403);
  });

  it('bad input gets a clear 4xx and changes no counter', async () => {
    const t = await s.tenant();
    const big = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x'.repeat(15_001) } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', message: expect.stringMatching(/15001 bytes.*15000/) });
    const multibyte = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'é'.repeat(7_501) } });
    expect(multibyte.status).toBe(413);
    // Every other field a memory keeps has its own bound (16,384 bytes of JSON), checked before the charge.
    const usedBefore = (await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.interactions.mini.used;
    const fat = { notes: Array.from({ length: 8 }, (_, i) => `${i}`.repeat(2_100)) };
    const fatMetadata = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'ok', metadata: fat } });
    expect(fatMetadata.status).toBe(413);
    expect(fatMetadata.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'metadata', max_bytes: 16_384 });
    const fatContext = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'ok', context: [{ role: 'user', content: 'c'.repeat(16_400) }] } });
    expect(fatContext.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'context' });
    const fatExtra = await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: [{ content: 'ok' }, { content: 'ok', anything: 'a'.repeat(16_400) }] } });
    expect(fatExtra.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'memories[1].anything' });
    const fatPut = await s.call({ method: 'PUT', url: '/v1/memory/mem_whatever', key: t.key, body: { metadata: fat } });
    expect(fatPut.body).toMatchObject({ error_code: 'CONTENT_TOO_LARGE', field: 'metadata' });
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.interactions.mini.used).toBe(usedBefore);
    const badMetadata = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'ok', metadata: 'not an object' } });
    expect(badMetadata.status).toBe(400);
    expect(badMetadata.body.message).toMatch(/metadata/);
    const missing = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.details.field).toBe('body.query');
    const malformed = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, payload: '{"content": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const wrongType = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'ok', type: 'video' } });
    expect(wrongType.status).toBe(400);
    const unknownRoute = await s.call({ method: 'GET', url: '/v1/nothing-here', key: t.key });
    expect(unknownRoute.status).toBe(404);
    expect((await usageOf(t.key)).interactions.mini.used).toBe(0);
    // Fields of the Papr API Tollgate does not act on are accepted.
    const extra = await s.call({
      method: 'POST',
      url: '/v1/memory',
      key: t.key,
      body: { content: 'with extras', graph_generation: { mode: 'auto' }, memory_policy: { mode: 'auto' }, relationships_json: [], context: [{ role: 'user', content: 'hi' }], holographic: true },
    });
    expect(extra.status).toBe(200);
  });

  it('feedback: submitting is free and recorded as a call; reading it back costs 1', async () => {
    const t = await s.tenant();
    const one = await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, body: { search_id: 's1', feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up' } } });
    expect(one.body).toMatchObject({ code: 200, status: 'success', feedback_id: expect.stringMatching(/^fb_/) });
    const batch = await s.call({
      method: 'POST',
      url: '/v1/feedback/batch',
      key: t.key,
      body: { feedback_items: [1, 2].map((i) => ({ search_id: `s${i}`, feedbackData: { feedbackSource: 'post_query', feedbackType: 'rating', feedbackScore: i } })) },
    });
    expect(batch.body).toMatchObject({ successful_count: 2, failed_count: 0, feedback_ids: [expect.any(String), expect.any(String)] });
    const read = await s.call({ method: 'GET', url: `/v1/feedback/${one.body.feedback_id}`, key: t.key });
    expect(read.body).toMatchObject({ feedback_id: one.body.feedback_id, details: { search_id: 's1', feedbackData: { feedbackType: 'thumbs_up' } } });
    const usage = await usageOf(t.key);
    expect(usage.interactions.mini).toMatchObject({ used: 1, calls: 3 });
  });
});

describe('JSON bodies are validated as sent, never coerced', () => {
  it('null stays null, a string is not a boolean', async () => {
    const t = await s.tenant();
    const added = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', external_user_id: null, context: null, metadata: null } });
    expect(added.status).toBe(200);
    const got = await s.call({ method: 'GET', url: `/v1/memory/${added.body.data[0].memoryId}`, key: t.key });
    expect(got.body.data.memories[0].external_user_id).toBeNull();
    const ns = await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: t.key, body: { is_active: null } });
    expect(ns.status).toBe(403); // a namespace key may not manage namespaces
    const search = await s.call({ method: 'POST', url: '/v1/memory/search?max_memories=3', key: t.key, body: { query: 'x', rank_results: 'true' } });
    expect(search.status).toBe(400);
    expect(search.body.details.field).toBe('body.rank_results');
  });
});
