import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/** Issue 17: the free management and report routes are rate limited per organization. */
let s: TestServer;
beforeEach(async () => {
  s = await startServer({ managementCallsPerMinute: 5 });
});
afterEach(async () => s.close());

describe('management and report routes: a per-minute limit per organization', () => {
  it('the 6th call in a minute is 429 with Retry-After; memory calls and other organizations are not affected; the next minute passes', async () => {
    const a = await s.tenant();
    const b = await s.tenant();
    const orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${a.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
    const free = [
      () => s.call({ method: 'GET', url: '/v1/usage', key: a.key }),
      () => s.call({ method: 'GET', url: '/v1/namespace', key: orgKey }),
      () => s.call({ method: 'GET', url: `/v1/namespace/${a.nsId}`, key: orgKey }),
      () => s.call({ method: 'GET', url: '/v1/usage', key: orgKey }),
      () => s.call({ method: 'GET', url: '/v1/usage?limit=1', key: a.key }),
    ];
    for (const call of free) expect((await call()).status).toBe(200);
    s.clock.advance(30_000);
    const refused = await s.call({ method: 'GET', url: '/v1/usage', key: orgKey });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error_code: 'RATE_LIMITED', limit: 5, scope: 'organization', routes: 'management' });
    expect(refused.headers['retry-after']).toBe('30');
    // Keys of the same organization share the limit; metered memory calls have their own (the plan's).
    expect((await s.call({ method: 'POST', url: '/v1/memory', key: a.key, body: { content: 'still served' } })).status).toBe(200);
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: b.key })).status).toBe(200);
    s.clock.advance(30_000);
    expect((await s.call({ method: 'GET', url: '/v1/usage', key: a.key })).status).toBe(200);
  });
});
