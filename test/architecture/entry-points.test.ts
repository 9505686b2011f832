/** The package's entries (package.json "exports") point at what the build makes of src/, and export what the README says. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, { types: string; default: string }> };

describe('package entries', () => {
  it('each entry is a file of src/ as tsconfig.build.json compiles it (dist/X.js from src/X.ts)', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './webhooks']);
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
});
