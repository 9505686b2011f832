import { mkdtempSync, rmSync } from 'node:fs';
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
});
