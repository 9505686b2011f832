import { expect } from 'vitest';
import type { TestServer } from '../../http/support/server.js';
import { ADMIN_KEY } from '../../http/support/server.js';

export interface Seeded {
  readonly orgId: string;
  readonly namespaces: Record<'production' | 'staging' | 'eu', string>;
  readonly keys: Record<'org' | 'backend' | 'worker' | 'staging' | 'eu', { id: string; key: string }>;
}

/**
 * Known usage, made through the server's HTTP API on its port: an organization on the starter plan
 * (50,000 mini, 500 premium; search is premium on this server) with three namespaces — production
 * without a limit of its own, staging at 84 of its 100 mini interactions (amber), eu at 48 of its
 * 50 (red, one add refused) — and a key whose premium cap of 20 is 85 % used (amber); October has
 * usage of its own.
 */
export async function seedUsage(server: TestServer, baseUrl: string): Promise<Seeded> {
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const admin = async (path: string, body: unknown) => {
    const r = await call('POST', path, { 'x-admin-key': ADMIN_KEY }, body);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(201);
    return r.body;
  };
  const org = await admin('/admin/organizations', { name: 'Globex', plan_tier: 'starter', rate_limits: { rate_limit_per_minute: 1_000_000 } });
  const ns = async (name: string, rateLimits: Record<string, number> = {}) => (await admin(`/admin/organizations/${org.id}/namespaces`, { name, rate_limits: rateLimits })).id as string;
  const namespaces = { production: await ns('production'), staging: await ns('staging', { max_mini_interactions_per_month: 100 }), eu: await ns('eu', { max_mini_interactions_per_month: 50 }) };
  const key = async (path: string, body: unknown) => {
    const issued = await admin(path, body);
    return { id: issued.id as string, key: issued.key as string };
  };
  const keys = {
    org: await key(`/admin/organizations/${org.id}/api-keys`, { name: 'ops scripts' }),
    backend: await key(`/admin/namespaces/${namespaces.production}/api-keys`, { name: 'backend', monthly_cap: { mini: null, premium: 20 } }),
    worker: await key(`/admin/namespaces/${namespaces.production}/api-keys`, { name: 'worker' }),
    staging: await key(`/admin/namespaces/${namespaces.staging}/api-keys`, { name: 'staging ci' }),
    eu: await key(`/admin/namespaces/${namespaces.eu}/api-keys`, { name: 'eu app' }),
  };

  const as = (k: { key: string }) => ({ 'x-api-key': k.key });
  const expectStatus = async (status: number, request: Promise<{ status: number; body: unknown }>) => {
    const r = await request;
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body as any;
  };
  const add = (k: { key: string }, content = 'a note about the launch') => expectStatus(200, call('POST', '/v1/memory', as(k), { content }));
  const search = (k: { key: string }) => expectStatus(200, call('POST', '/v1/memory/search', as(k), { query: 'launch' }));

  server.clock.set('2026-10-10T10:00:00Z');
  for (let i = 0; i < 3; i++) await add(keys.backend);
  await search(keys.backend);
  server.clock.set('2026-10-21T16:00:00Z');
  await search(keys.backend);

  for (let day = 3; day <= 15; day++) {
    server.clock.set(`2026-11-${String(day).padStart(2, '0')}T09:30:00Z`);
    const added = await add(keys.backend);
    if (day % 3 === 0) await expectStatus(200, call('GET', `/v1/memory/${added.data[0].memoryId}`, as(keys.worker)));
    await search(keys.worker);
    if (day <= 12) await search(keys.backend); // 10 premium of the backend key's cap of 20 …
    if (day % 2 === 1) await add(keys.staging);
  }
  for (let i = 0; i < 7; i++) await search(keys.backend); // … 17 of 20: amber
  server.clock.set('2026-11-14T13:00:00Z');
  await expectStatus(200, call('POST', '/v1/memory/batch', as(keys.worker), { memories: [{ content: 'one' }, { content: 'two' }, { content: 'three' }] }));
  await expectStatus(200, call('POST', '/v1/feedback', as(keys.worker), { search_id: 's1', feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up' } }));
  await add(keys.org);
  for (let i = 0; i < 14; i++) await add(keys.staging); // staging: 7 + 14 adds = 84 of 100
  server.clock.set('2026-11-15T12:00:00Z');
  for (let i = 0; i < 12; i++) await add(keys.eu); // eu: 48 of 50
  await expectStatus(429, call('POST', '/v1/memory', as(keys.eu), { content: 'one too many' }));
  // last_used_at is written in the background (at most once a minute of the server's clock): use
  // every key once more now and wait until all are written, so the page and the API read the
  // same values however the test and the browser interleave.
  const all = Object.values(keys);
  for (const k of all) await expectStatus(200, call('GET', '/v1/usage', as(k)));
  const now = new Date(server.clock.now()).toISOString();
  const allWritten = async () => {
    const listed = await call('GET', `/admin/organizations/${org.id}/api-keys`, { 'x-admin-key': ADMIN_KEY });
    return (listed.body.items as { last_used_at: string | null }[]).every((k) => k.last_used_at === now);
  };
  const deadline = Date.now() + 5000;
  while (!(await allWritten())) {
    if (Date.now() > deadline) throw new Error('last_used_at was not written within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { orgId: org.id, namespaces, keys };
}
