import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageContentSecurityPolicy } from '../../src/http/plugins/page-security.js';
import { SWAGGER_UI_STYLE_HASHES } from '../../src/http/routes/docs.js';
import { startServer, type TestServer } from './support/server.js';

const built = mkdtempSync(join(tmpdir(), 'tollgate-docs-'));
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'index.html'), '<!doctype html><title>dashboard</title>');

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ dashboardRoot: built });
});
afterAll(async () => {
  await s.close();
  rmSync(built, { recursive: true, force: true });
});

const DOCS = ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui.css', '/docs/static/index.css', '/docs/static/favicon-32x32.png', '/docs/json', '/docs/yaml'];

describe('/docs', () => {
  it('the page and each of its assets carry a strict content security policy, may not be framed, and are never sniffed', async () => {
    for (const url of DOCS) {
      const r = await s.app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      const policy = String(r.headers['content-security-policy']);
      expect(policy, url).toBe(pageContentSecurityPolicy({ styleHashes: SWAGGER_UI_STYLE_HASHES }));
      for (const directive of ["default-src 'none'", "script-src 'self';", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"]) expect(policy, url).toContain(directive);
      expect(policy, url).not.toMatch(/unsafe-|\*|https?:/);
      expect([r.headers['x-frame-options'], r.headers['x-content-type-options'], r.headers['referrer-policy']], url).toEqual(['DENY', 'nosniff', 'no-referrer']);
    }
  });

  it('lets in by hash exactly the inline styles the shipped Swagger UI renders', () => {
    const staticDir = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');
    const shipped = ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'].flatMap((file) =>
      [...readFileSync(join(staticDir, file), 'utf8').matchAll(/createElement\("style",null,"([^"]*)"\)/g)].map((m) => `sha256-${createHash('sha256').update(m[1]!).digest('base64')}`),
    );
    expect(shipped.sort()).toEqual([...SWAGGER_UI_STYLE_HASHES].sort());
  });

  it('shares the policy code with the dashboard, which gets the same headers without the hashes; the APIs get none of them', async () => {
    const page = await s.app.inject({ url: '/dashboard/' });
    expect(page.headers['content-security-policy']).toBe(pageContentSecurityPolicy());
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const url of ['/healthz', '/v1/memory/search']) expect((await s.app.inject({ url })).headers).not.toHaveProperty('content-security-policy');
  });
});
