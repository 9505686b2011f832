/** The package's entries (package.json "exports") point at what the build makes of src/, and export what the README says. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, { types: string; default: string }> };

describe('package entries', () => {
  it('each entry is a file of src/ as tsconfig.build.json compiles it (dist/X.js from src/X.ts)', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './upstream', './webhooks']);
    for (const entry of Object.values(pkg.exports)) {
      const source = entry.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      expect(existsSync(`${root}${source}`), source).toBe(true);
      expect(entry.types).toBe(entry.default.replace(/\.js$/, '.d.ts'));
    }
  });

  it('the library exports the engine, the stores, tenancy, reports and the outbox dispatcher', async () => {
    const library = await import('../../src/index.js');
    for (const name of ['createMeter', 'createTenancy', 'createRamStore', 'createSqliteStore', 'createPostgresStore', 'createRedisStore', 'createParseStore', 'createUsageReports', 'createOutboxDispatcher', 'verifyWebhook', 'signWebhook', 'TollgateError']) {
      expect(typeof (library as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it("a receiver's entry checks a signature Tollgate made, and loads nothing else of Tollgate", async () => {
    const { signWebhook, generateWebhookSecret } = await import('../../src/billing/webhook-signature.js');
    const receiver = await import('../../src/webhooks.js');
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'key.revoked', data: {} });
    const headers = signWebhook({ id: 'evt_1', timestampSeconds: Math.floor(Date.now() / 1000), payload: body }, secret);
    const now = { nowMs: Date.now() };
    expect(receiver.verifyWebhook({ headers, payload: body }, secret, now)).toMatchObject({ ok: true });
    expect(receiver.verifyWebhook({ headers, payload: `${body} ` }, secret, now)).toMatchObject({ ok: false });
    expect(receiver.WEBHOOK_EVENT_TYPES).toContain('usage.threshold');
  });

  it("an upstream's entry checks identity headers Tollgate signed, and loads nothing else of Tollgate", async () => {
    const { signIdentity } = await import('../../src/gateway/identity-signature.js');
    const upstream = await import('../../src/upstream.js');
    const secret = 'an upstream secret of at least 32 characters';
    const identity = { organizationId: 'org_1', namespaceId: 'ns_1', apiKeyId: 'key_1', userId: 'user_1', chargeId: 'chg_1' };
    const headers = signIdentity([secret], { method: 'POST', path: '/v1/memory?x=1', timestampSec: Math.floor(Date.now() / 1000), identity });
    expect(upstream.verifyIdentity([secret], { method: 'POST', path: '/v1/memory?x=1', headers })).toMatchObject({ ok: true, identity });
    expect(upstream.verifyIdentity([secret], { method: 'POST', path: '/v1/memory?x=2', headers })).toMatchObject({ ok: false });
    expect(Object.keys(upstream).sort()).toEqual(
      ['API_KEY_ID_HEADER', 'CHARGE_ID_HEADER', 'IDENTITY_HEADER_PREFIX', 'NAMESPACE_HEADER', 'ORGANIZATION_HEADER', 'SIGNATURE_HEADER', 'TIMESTAMP_HEADER', 'USER_HEADER', 'verifyIdentity'],
    );
    expect(Object.keys(upstream).filter((name) => name.endsWith('_HEADER')).map((name) => (upstream as Record<string, unknown>)[name])).toEqual(
      expect.arrayContaining(['x-tollgate-organization', 'x-tollgate-namespace', 'x-tollgate-api-key-id', 'x-tollgate-user', 'x-tollgate-charge-id', 'x-tollgate-timestamp', 'x-tollgate-signature']),
    );
    // The entry reaches one file of src/, and that file node:crypto only.
    const imports = (file: string) => [...readFileSync(`${root}${file}`, 'utf8').matchAll(/^\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(new Set(imports('src/upstream.ts'))).toEqual(new Set(['./gateway/identity-signature.js']));
    expect(imports('src/gateway/identity-signature.ts')).toEqual(['node:crypto']);
  });
});
