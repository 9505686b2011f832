import { afterEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/core/errors.js';
import type { Store } from '../../src/stores/contract/index.js';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer | null = null;
afterEach(async () => {
  await s?.close().catch(() => {});
  s = null;
});

const used = async (server: TestServer, key: string) => (await server.call({ method: 'GET', url: '/v1/usage', key })).body.interactions.mini.used;

describe('failures over HTTP', () => {
  it('a handler that fails with a 5xx gets its charge refunded, and the body leaks nothing', async () => {
    let failNext = false;
    s = await startServer({
      wrapStore: (store) => ({
        ...store,
        memories: {
          ...store.memories,
          insert: async (records, limits) => {
            if (failNext) {
              failNext = false;
              throw new Error('disk on fire at /var/lib/secret/path');
            }
            return store.memories.insert(records, limits);
          },
        },
      }),
    });
    const t = await s.tenant();
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'fine' } })).status).toBe(200);
    failNext = true;
    const failed = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'doomed' } });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error_code: 'INTERNAL', request_id: expect.any(String) });
    expect(JSON.stringify(failed.body)).not.toMatch(/disk on fire|secret/);
    await expect.poll(() => used(s!, t.key), { timeout: 2000 }).toBe(4);
    const records = await s.store.log.interactions({ organizationId: t.orgId });
    expect(records[0]).toMatchObject({ count: 4, calls: 1 });
    const metrics = await s.call({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/tollgate_refunds_total 1/);
  });

  it('an unreachable usage store answers 503 usage_store_unavailable — not "subscription required"', async () => {
    let sqlite: (Store & { database?: { close(): void } }) | null = null;
    s = await startServer({ wrapStore: (store) => (sqlite = store) });
    const t = await s.tenant();
    expect((await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } })).status).toBe(200);
    sqlite!.database!.close();
    const r = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x' } });
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ error: 'usage_store_unavailable', error_code: 'STORE_UNAVAILABLE' });
    expect(r.headers['retry-after']).toBe('1');
    expect(JSON.stringify(r.body)).not.toMatch(/trial|subscription/i);
    expect((await s.call({ method: 'GET', url: '/readyz' })).status).toBe(503);
    expect((await s.call({ method: 'GET', url: '/healthz' })).status).toBe(200);
  });

  it('with TOLLGATE_FAIL_OPEN the call passes unmetered when the ledger cannot be reached', async () => {
    // Fault injection: the ledger alone goes away (as Redis can while PostgreSQL stays up).
    let down = false;
    s = await startServer({
      metering: { failOpen: true },
      wrapStore: (store) => ({
        ...store,
        ledger: {
          ...store.ledger,
          charge: async (request) => {
            if (down) throw new TollgateError('STORE_UNAVAILABLE', { message: 'connection refused' });
            return store.ledger.charge(request);
          },
        },
      }),
    });
    const t = await s.tenant();
    down = true;
    const r = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'still served' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-usage-unmetered']).toBe('store-unavailable');
    down = false;
    expect(await used(s, t.key)).toBe(0);
    const metrics = await s.call({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/tollgate_charges_total\{outcome="fail_open"/);
  });

  it('an Idempotency-Key retry answers the same and is charged once; the same key on another request is a 409', async () => {
    s = await startServer();
    const t = await s.tenant();
    const send = (content: string) => s!.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content }, headers: { 'idempotency-key': 'req-1' } });
    const first = await send('only once');
    const retries = await Promise.all([send('only once'), send('only once'), send('only once')]);
    for (const retry of retries) {
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
    }
    expect(await used(s, t.key)).toBe(4);
    const search = await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'only once' } });
    expect(search.body.data.memories).toHaveLength(1);
    const conflict = await send('something else');
    expect(conflict.status).toBe(409);
    expect(conflict.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    const bad = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x' }, headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(bad.status).toBe(400);
    // 4 for the one add, 1 for the search; the conflict and the bad key cost nothing.
    expect(await used(s, t.key)).toBe(5);
  });
});
