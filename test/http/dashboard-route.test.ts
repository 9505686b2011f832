import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from './support/server.js';

const built = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'index.html'), '<!doctype html><title>dashboard</title><script type="module" src="/dashboard/assets/index-abc.js"></script>');
writeFileSync(join(built, 'assets', 'index-abc.js'), 'console.log(1)');
afterAll(() => rmSync(built, { recursive: true, force: true }));

describe('/dashboard', () => {
  it('serves the built page outside /v1: no key, no metering, a strict content security policy, hashed assets cached for good', async () => {
    const s = await startServer({ dashboardRoot: built });
    try {
      const bare = await s.app.inject({ url: '/dashboard' });
      expect([bare.statusCode, bare.headers.location]).toEqual([302, '/dashboard/']);
      const page = await s.app.inject({ url: '/dashboard/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'.*connect-src 'self'/);
      expect(page.headers).not.toHaveProperty('x-usage-cost');
      const asset = await s.app.inject({ url: '/dashboard/assets/index-abc.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect((await s.app.inject({ url: '/dashboard/../package.json' })).statusCode).toBe(404);
      expect((await s.app.inject({ url: '/dashboard/missing.js' })).statusCode).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('before a build, answers 503 DASHBOARD_NOT_BUILT saying what to run', async () => {
    const s = await startServer({ dashboardRoot: join(built, 'not-built') });
    try {
      const r = await s.call({ method: 'GET', url: '/dashboard/' });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error_code: 'DASHBOARD_NOT_BUILT', message: expect.stringMatching(/npm run build/) });
    } finally {
      await s.close();
    }
  });
});
