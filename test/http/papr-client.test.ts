import Papr from '@papr/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
let baseURL: string;
beforeAll(async () => {
  s = await startServer();
  baseURL = await s.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => s.close());

const client = (key: string) => new Papr({ xAPIKey: key, baseURL, maxRetries: 0, timeout: 10_000 });

describe('the official @papr/memory 2.8.0 client pointed at Tollgate', () => {
  it('adds, gets, updates, searches and deletes memories, runs a batch and submits feedback with a namespace key', async () => {
    const t = await s.tenant();
    const papr = client(t.key);

    const added = await papr.memory.add({ content: 'The design review is on Thursday at 10', type: 'text', metadata: { topics: ['meetings'], customMetadata: { team: 'core' } }, external_user_id: 'u-42' });
    expect(added.status).toBe('success');
    const item = added.data![0]!;
    expect(item.memoryId).toMatch(/^mem_/);
    expect(item.objectId).toBe(item.memoryId);
    expect(Date.parse(item.createdAt)).not.toBeNaN();

    const got = await papr.memory.get(item.memoryId);
    const memory = got.data!.memories[0]!;
    expect(memory).toMatchObject({ id: item.memoryId, content: 'The design review is on Thursday at 10', type: 'text', external_user_id: 'u-42' });
    expect(memory.customMetadata).toEqual({ team: 'core' });
    expect(got.data!.nodes).toEqual([]);

    const updated = await papr.memory.update(item.memoryId, { content: 'The design review moved to Friday at 11' });
    expect(updated.memory_items![0]).toMatchObject({ memoryId: item.memoryId, content: 'The design review moved to Friday at 11' });

    const found = await papr.memory.search({ query: 'design review Friday', max_memories: 5, rank_results: true });
    expect(found.search_id).toBeTruthy();
    expect(found.data!.memories.map((m) => m.id)).toEqual([item.memoryId]);

    const batch = await papr.memory.addBatch({ memories: [{ content: 'first of batch' }, { content: 'second of batch' }] });
    expect(batch).toMatchObject({ total_processed: 2, total_successful: 2, total_failed: 0 });
    expect(batch.successful![0]!.data![0]!.memoryId).toMatch(/^mem_/);

    const feedback = await papr.feedback.submit({ search_id: found.search_id!, feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up' } });
    expect(feedback.feedback_id).toMatch(/^fb_/);
    const readBack = await papr.feedback.getByID(feedback.feedback_id!);
    expect(readBack.feedback_id).toBe(feedback.feedback_id);

    const deleted = await papr.memory.delete(item.memoryId);
    expect(deleted).toMatchObject({ status: 'success', memoryId: item.memoryId });
    await expect(papr.memory.get(item.memoryId)).rejects.toMatchObject({ status: 404 });

    const cleared = await papr.memory.deleteAll();
    expect(cleared.total_processed).toBe(2);

    // Every call was metered: add 4 + get 1 + update 1 + search 2 (ranked) + batch 8 + feedback 0 + read 1 + delete 1 + delete all 1;
    // the failed get (404) is refunded, as the catalogue's rule for a 4xx says.
    const usage = await s.call({ method: 'GET', url: '/v1/usage', key: t.key });
    expect(usage.body.interactions.mini.used).toBe(19);
  });

  it('with an organization key it creates a namespace and a key in it, which then works', async () => {
    const org = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'Client Co', plan_tier: 'starter' } });
    const orgKey = await s.call({ method: 'POST', url: `/admin/organizations/${org.body.id}/api-keys`, admin: true, body: { name: 'org' } });
    const admin = client(orgKey.body.key);

    const created = await admin.namespace.create({ name: 'mobile-app', environment_type: 'staging' });
    expect(created.data).toMatchObject({ name: 'mobile-app', environment_type: 'staging', organization_id: org.body.id, is_active: true });
    const nsId = created.data!.objectId!;
    const listed = await admin.namespace.list({ limit: 10 });
    expect(listed.data!.map((n) => n.objectId)).toContain(nsId);
    expect(listed.total).toBe(1);
    const fetched = await admin.namespace.retrieve(nsId);
    expect(fetched.data!.name).toBe('mobile-app');
    const renamed = await admin.namespace.update(nsId, { name: 'mobile' });
    expect(renamed.data!.name).toBe('mobile');

    const key = await admin.namespace.createAPIKey(nsId, { name: 'mobile key', permissions: ['read', 'write'] });
    expect(key.data).toMatchObject({ key_prefix: expect.stringMatching(/^tg_/), namespace_id: nsId, is_active: true, name: 'mobile key' });
    expect(key.data!.key!.startsWith(key.data!.key_prefix!)).toBe(true);

    const scoped = client(key.data!.key!);
    const added = await scoped.memory.add({ content: 'from the new key' });
    expect(added.data![0]!.memoryId).toMatch(/^mem_/);
    const searched = await scoped.memory.search({ query: 'new key' });
    expect(searched.data!.memories).toHaveLength(1);
    await expect(scoped.memory.delete(added.data![0]!.memoryId)).rejects.toMatchObject({ status: 403 });

    const removed = await admin.namespace.delete(nsId);
    expect(removed).toMatchObject({ namespace_id: nsId, cascade: { memories_deleted: 1 } });
    await expect(scoped.memory.add({ content: 'after deletion' })).rejects.toMatchObject({ status: 401 });
  });

  it('pages through a search with next_cursor, sent back as cursor (the client passes it in the body)', async () => {
    const t = await s.tenant();
    const papr = client(t.key);
    await papr.memory.addBatch({ memories: Array.from({ length: 5 }, (_, i) => ({ content: `retro note ${i}` })) });
    const first = (await papr.memory.search({ query: 'retro', max_memories: 3 })) as Papr.Memory.SearchResponse & { next_cursor?: string | null };
    expect(first.data!.memories).toHaveLength(3);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await papr.memory.search({ query: 'retro', max_memories: 3, cursor: first.next_cursor } as Papr.Memory.MemorySearchParams)) as typeof first;
    expect(second.data!.memories).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    const ids = [...first.data!.memories, ...second.data!.memories].map((m) => m.id);
    expect(new Set(ids).size).toBe(5);
  });

  it('refusals reach the client as typed errors with the refusal body', async () => {
    const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 4 } });
    const papr = client(t.key);
    await papr.memory.add({ content: 'fills the quota' });
    const error = await papr.memory.add({ content: 'one too many' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Papr.RateLimitError);
    expect((error as InstanceType<typeof Papr.RateLimitError>).error).toMatchObject({ current_count: 4, limit: 4, operation_cost: 4 });
  });

  describe('with its default retries on, a refusal that a retry cannot fix is sent once and counted once', () => {
    const retrying = (key: string) => new Papr({ xAPIKey: key, baseURL, timeout: 10_000 });
    const requestsWithStatus = async (status: number) => {
      const metrics = String((await s.call({ method: 'GET', url: '/metrics' })).body);
      return [...metrics.matchAll(new RegExp(`^tollgate_http_requests_total\\{[^}]*status="${status}"[^}]*\\} (\\d+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
    };

    it('the monthly quota: one 429 with x-should-retry: false, one refusal in usage', async () => {
      const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 4 } });
      const papr = retrying(t.key);
      await papr.memory.add({ content: 'fills the quota' });
      const before = await requestsWithStatus(429);
      const error = await papr.memory.add({ content: 'one too many' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Papr.RateLimitError);
      expect((error as InstanceType<typeof Papr.RateLimitError>).headers.get('x-should-retry')).toBe('false');
      expect(await requestsWithStatus(429)).toBe(before + 1);
      expect((await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.refused).toBe(1);
    });

    it('a resource limit (active memories): one 429, one refusal', async () => {
      const t = await s.tenant({ rate_limits: { max_active_memories: 1 } });
      const papr = retrying(t.key);
      await papr.memory.add({ content: 'the only memory allowed' });
      const before = await requestsWithStatus(429);
      await expect(papr.memory.add({ content: 'a second one' })).rejects.toBeInstanceOf(Papr.RateLimitError);
      expect(await requestsWithStatus(429)).toBe(before + 1);
      expect((await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body.refused).toBe(1);
    });

    it('an Idempotency-Key reused for another request: one 409', async () => {
      const t = await s.tenant();
      const papr = retrying(t.key);
      await papr.memory.add({ content: 'first' }, { headers: { 'Idempotency-Key': 'same-key' } });
      const before = await requestsWithStatus(409);
      await expect(papr.memory.add({ content: 'something else' }, { headers: { 'Idempotency-Key': 'same-key' } })).rejects.toMatchObject({ status: 409 });
      expect(await requestsWithStatus(409)).toBe(before + 1);
    });

    it('the per-minute rate stays retryable: Retry-After is sent and no x-should-retry: false', async () => {
      const t = await s.tenant({ plan_tier: 'developer' });
      const papr = new Papr({ xAPIKey: t.key, baseURL, timeout: 10_000, maxRetries: 0 });
      for (let i = 0; i < 10; i++) await papr.memory.search({ query: 'x' });
      const error = (await papr.memory.search({ query: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof Papr.RateLimitError>;
      expect(error).toBeInstanceOf(Papr.RateLimitError);
      expect(Number(error.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(error.headers.get('x-should-retry')).toBeNull();
    });
  });
});
