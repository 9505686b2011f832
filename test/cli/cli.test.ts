import { mkdtempSync, rmSync } from 'node:fs';
import { NO_KEY_LIMITS } from '../../src/core/key-limits.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { tollgateCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env, TOLLGATE_DATA: join(dir, 'cli.db'), TOLLGATE_CONFIG: '' };
const tollgate = tollgateCli(env, dir);
const json = async (...args: string[]) => JSON.parse((await tollgate(...args, '--json')).stdout);

describe('tollgate CLI on a SQLite file', () => {
  it('creates an organization, a namespace and keys, reports usage by dimension, and revokes a key', async () => {
    const org = await json('org', 'create', '--name', 'Globex', '--plan', 'starter');
    expect(org).toMatchObject({ name: 'Globex', subscription: { tier: 'starter', status: 'active' } });
    const ns = await json('namespace', 'create', '--org', org.id, '--name', 'production');
    const key = await json('key', 'create', '--namespace', ns.id, '--name', 'backend', '--permissions', 'read,write');
    expect(key.key).toMatch(/^tg_/);
    expect(key.hash).toBeUndefined();
    expect(key.permissions).toEqual(['read', 'write']);

    // Usage made through the engine on the same file.
    const runtime = await openRuntime(loadConfig({ env }));
    const auth = await runtime.meter.authenticate(key.key);
    if (!auth.ok) throw auth.error;
    for (const op of ['add_memory_v1', 'add_memory_v1', 'search_v1', 'get_sync_tiers']) {
      expect((await runtime.meter.charge(auth.value, op)).allowed).toBe(true);
    }
    await runtime.close();

    const byOperation = await tollgate('usage', '--org', org.id, '--by', 'operation_type');
    expect(byOperation.code).toBe(0);
    expect(byOperation.stdout).toMatch(/mini: 12 of 50,000/);
    expect(byOperation.stdout).toMatch(/add_memory_v1\s+8\s+2\s+0/);
    expect(byOperation.stdout).toMatch(/search_v1\s+1\s+1\s+0/);
    expect(byOperation.stdout).toMatch(/get_sync_tiers\s+3\s+1\s+0/);
    const byNamespace = await tollgate('usage', '--org', org.id, '--by', 'namespace');
    expect(byNamespace.stdout).toMatch(new RegExp(`${ns.id}\\s+12\\s+4\\s+0`));
    const summary = await json('usage', '--org', org.id, '--by', 'day');
    expect(summary.totals.mini.count).toBe(12);

    const listed = await json('key', 'list', '--org', org.id);
    expect(listed).toHaveLength(1);
    expect(listed[0].lastUsedAt).toBeTypeOf('number');
    const revoked = await tollgate('key', 'revoke', key.id);
    expect(revoked.stdout).toMatch(/Revoked/);
    const after = await json('key', 'list', '--org', org.id);
    expect(after[0].revokedAt).toBeTypeOf('number');

    const setPlan = await json('org', 'set-plan', org.id, 'growth');
    expect(setPlan.subscription.tier).toBe('growth');
  });

  it('answers bad input with a clear message and a non-zero exit', async () => {
    const unknownTier = await tollgate('org', 'create', '--name', 'X', '--plan', 'platinum');
    expect(unknownTier.code).toBe(1);
    expect(unknownTier.stderr).toMatch(/unknown tier "platinum"/);
    const badMonth = await tollgate('usage', '--org', 'org_x', '--month', 'November');
    expect(badMonth.stderr).toMatch(/--month must look like 2026-11/);
    const missing = await tollgate('org', 'show', 'org_missing');
    expect(missing.stderr).toMatch(/NOT_FOUND/);
  });

  it('refuses control characters in names, and prints names already stored with them escaped, in tables and JSON', async () => {
    const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const clear = '\u001b[2J\u001b[H';
    const link = '\u001b]8;;http://evil.example\u0007docs\u001b]8;;\u0007';
    const runtime = await openRuntime(loadConfig({ env }));
    const org = await runtime.tenancy.createOrganization({ name: 'Initrode', planTier: 'starter' });
    const ns = await runtime.tenancy.createNamespace(org.id, { name: 'production' });
    const issued = await runtime.tenancy.issueOrganizationKey(org.id, { name: 'ok' });
    await runtime.close();

    for (const args of [['org', 'create', '--name', `x${clear}`], ['namespace', 'create', '--org', org.id, '--name', 'a\u009bb'], ['key', 'create', '--org', org.id, '--name', 'gpj.\u202eexe']]) {
      const refused = await tollgate(...args);
      expect([refused.code, refused.stderr], args.join(' ')).toEqual([1, expect.stringMatching(/VALIDATION_FAILED: name: must not hold control characters/)]);
    }

    // Names written before they were refused, straight into the store.
    const stored = await openRuntime(loadConfig({ env }));
    await stored.store.directory.updateOrganization(org.id, { name: `Initrode${clear}` });
    await stored.store.directory.updateNamespace(ns.id, { name: `${link}\u202e\u009b31m\u007f\ttab\nline` });
    await stored.store.directory.createApiKey({ ...issued.apiKey, id: `${issued.apiKey.id}x`, prefix: `${issued.apiKey.prefix}x`, name: 'key\u001b[1A\u001b[2Kfake line' }, NO_KEY_LIMITS);
    await stored.close();

    const runs = [
      await tollgate('namespace', 'list', '--org', org.id),
      await tollgate('org', 'list'),
      await tollgate('org', 'show', org.id),
      await tollgate('key', 'list', '--org', org.id),
      await tollgate('usage', '--org', org.id),
      await tollgate('namespace', 'list', '--org', org.id, '--json'),
    ];
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(UNSAFE);
    }
    const [namespaces, orgs, shown, keys, usage, json] = runs.map((run) => run.stdout);
    expect(namespaces).toContain('\\x1b]8;;http://evil.example\\x07docs\\x1b]8;;\\x07\\u202e\\x9b31m\\x7f\\x09tab\\x0aline');
    // One line per row still.
    expect(namespaces!.trim().split('\n')).toHaveLength(3);
    for (const text of [orgs, shown, usage]) expect(text).toContain('Initrode\\x1b[2J\\x1b[H');
    expect(keys).toContain('key\\x1b[1A\\x1b[2Kfake line');
    // JSON stays the same value, only escaped.
    expect(JSON.parse(json!)[0].name).toBe(`${link}\u202e\u009b31m\u007f\ttab\nline`);
  });
});
