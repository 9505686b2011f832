/**
 * Issue 12, prices that bills can rely on: the store records every catalogue version it is started
 * with, a config that would change a recorded version (or add one taking effect in the past, or lack
 * one the store has) is refused at start, and `tollgate catalogue history|show` list the versions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { tollgateCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-catalogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, 'tollgate.yaml');
const env = { ...process.env, TOLLGATE_DATA: join(dir, 'catalogue.db'), TOLLGATE_CONFIG: configPath };
const tollgate = tollgateCli(env, dir);

const FUTURE = '2099-01-01T00:00:00Z';
const V1 = { version: 1, effective_from: '1970-01-01T00:00:00Z', operations: { search_v1: { cost: 2 } } };
const V2 = { version: 2, effective_from: FUTURE, operations: { search_v1: { cost: 2 }, add_memory_v1: { cost: 5 } } };
const writeVersions = (...versions: unknown[]) => writeFileSync(configPath, stringify({ catalogue: { versions } }));

describe('tollgate catalogue', () => {
  it('records the versions at start and lists them: in force, scheduled, recorded, with every price in JSON', async () => {
    writeVersions(V1, V2);
    const history = await tollgate('catalogue', 'history');
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^version\s+effective from\s+in force\s+recorded at\s+sha256$/);
    expect(lines[2]).toMatch(/^\s*1\s+1970-01-01T00:00:00\.000Z\s+yes\s+\d{4}-\d{2}-\d{2}T\S+Z\s+[0-9a-f]{12}$/);
    expect(lines[3]).toMatch(/^\s*2\s+2099-01-01T00:00:00\.000Z\s+scheduled\s+\d{4}-\d{2}-\d{2}T\S+Z\s+[0-9a-f]{12}$/);

    const json = await tollgate('catalogue', 'history', '--json');
    expect(json.code, json.stderr).toBe(0);
    const versions = JSON.parse(json.stdout) as { version: number; in_force: boolean; scheduled: boolean; recorded_at: string; sha256: string; operations: Record<string, { cost: unknown; type: string }> }[];
    expect(versions.map((v) => [v.version, v.in_force, v.scheduled])).toEqual([
      [1, true, false],
      [2, false, true],
    ]);
    expect(versions[0]!.operations.add_memory_v1).toEqual({ type: 'mini', cost: { kind: 'fixed', cost: 4 }, client_error: 'refund' });
    expect(versions[0]!.operations.search_v1!.cost).toEqual({ kind: 'fixed', cost: 2 });
    expect(versions[1]!.operations.add_memory_v1!.cost).toEqual({ kind: 'fixed', cost: 5 });
    expect(versions[0]!.sha256).not.toBe(versions[1]!.sha256);
    // Recorded once: a second start keeps the first record.
    const again = JSON.parse((await tollgate('catalogue', 'history', '--json')).stdout) as typeof versions;
    expect(again.map((v) => v.recorded_at)).toEqual(versions.map((v) => v.recorded_at));
  });

  it('shows the prices in force now, or at an instant', async () => {
    const now = await tollgate('catalogue', 'show');
    expect(now.code, now.stderr).toBe(0);
    expect(now.stdout).toContain('Catalogue version 1, in force from 1970-01-01T00:00:00.000Z until 2099-01-01T00:00:00.000Z:');
    expect(now.stdout).toMatch(/add_memory_batch_v1\s+mini\s+4 per item of memories \(1 to 50\)\s+refunded/);
    expect(now.stdout).toMatch(/search_v1\s+mini\s+2\s+refunded/);
    const later = JSON.parse((await tollgate('catalogue', 'show', '--at', FUTURE, '--json')).stdout) as { version: number; until: string | null; operations: Record<string, { cost: unknown }> };
    expect(later).toMatchObject({ version: 2, effective_from: '2099-01-01T00:00:00.000Z', until: null });
    expect(later.operations.add_memory_v1!.cost).toEqual({ kind: 'fixed', cost: 5 });
    const justBefore = JSON.parse((await tollgate('catalogue', 'show', '--at', '2098-12-31T23:59:59.999Z', '--json')).stdout) as { version: number };
    expect(justBefore.version).toBe(1);
    const bad = await tollgate('catalogue', 'show', '--at', 'tomorrow');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--at must be an instant such as 2027-01-01T00:00:00Z, got "tomorrow"/);
  });

  it('refuses at start a config that changes a recorded version, or is out of order', async () => {
    writeVersions(V1, { ...V2, operations: { ...V2.operations, add_memory_v1: { cost: 6 } } });
    const changed = await tollgate('catalogue', 'history');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('error CONFIG_INVALID: catalogue is invalid:');
    expect(changed.stderr).toContain(
      'catalogue version 2: operation add_memory_v1 is {"client_error":"refund","cost":{"cost":6,"kind":"fixed"},"type":"mini"} here, {"client_error":"refund","cost":{"cost":5,"kind":"fixed"},"type":"mini"} in the store',
    );
    // The server refuses the same way (openRuntime is where serve and every command start).
    await expect(openRuntime(loadConfig({ env }))).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { problems: [expect.stringMatching(/^catalogue version 2: operation add_memory_v1/)] } });

    writeVersions({ ...V1, effective_from: '1970-01-01T00:01:00Z' }, V2);
    expect((await tollgate('catalogue', 'history')).stderr).toContain('catalogue version 1: effective_from is 1970-01-01T00:01:00.000Z here, 1970-01-01T00:00:00.000Z in the store');

    const V3 = { version: 3, effective_from: '2099-01-01T00:01:00Z', operations: V2.operations };
    writeVersions(V1, V2, { ...V3, effective_from: '2000-01-01T00:00:00Z' });
    // Out of order with version 2 first: the config itself is refused.
    expect((await tollgate('catalogue', 'history')).stderr).toMatch(/catalogue\.versions\[2\]\.effective_from: must be after version 2's/);

  });

  it('refuses at start a new version taking effect in the past, and a config lacking a version the store has', async () => {
    const V3 = { version: 3, effective_from: '2099-01-01T00:01:00Z', operations: V2.operations };
    // A version after the last recorded one, but already in the past, is retroactive.
    const other = tollgateCli({ ...env, TOLLGATE_DATA: join(dir, 'other.db') }, dir);
    writeVersions(V1);
    expect((await other('catalogue', 'history')).code).toBe(0);
    writeVersions(V1, { ...V2, effective_from: '2020-01-01T00:00:00Z' });
    const past = await other('catalogue', 'history');
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/catalogue version 2: new, and would take effect at 2020-01-01T00:00:00\.000Z, before now \(.+\); a price change takes effect from an instant still to come, never retroactively/);

    // The first store lacks nothing with both versions; without version 2 it is refused.
    writeVersions(V1);
    const lacking = await tollgate('catalogue', 'history');
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain('catalogue version 2: the store has it (in force from 2099-01-01T00:00:00.000Z) but this config stops at version 1; add it to catalogue.versions');

    // Nothing refused was recorded: the original config still starts, and adding version 3 in the future is accepted.
    writeVersions(V1, V2, V3);
    const fine = await tollgate('catalogue', 'history', '--json');
    expect(fine.code, fine.stderr).toBe(0);
    expect((JSON.parse(fine.stdout) as { version: number }[]).map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it('accepts an operation added to a recorded version (a newer Tollgate, the gateway\'s routes) and keeps its price from then on', async () => {
    const added = tollgateCli({ ...env, TOLLGATE_DATA: join(dir, 'added.db') }, dir);
    writeVersions(V1);
    expect((await added('catalogue', 'history')).code).toBe(0);
    // Version 1 was recorded without summarize_v1: adding it changes no price anything was charged at.
    const withNew = { ...V1, operations: { ...V1.operations, summarize_v1: { cost: 2 } } };
    writeVersions(withNew);
    const first = await added('catalogue', 'show', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { operations: Record<string, { cost: unknown }> }).operations.summarize_v1!.cost).toEqual({ kind: 'fixed', cost: 2 });
    expect((await added('catalogue', 'history')).code).toBe(0);
    // Once added, its price is recorded like the others': another price is refused.
    writeVersions({ ...V1, operations: { ...V1.operations, summarize_v1: { cost: 3 } } });
    const changed = await added('catalogue', 'history');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('catalogue version 1: operation summarize_v1 is {"client_error":"refund","cost":{"cost":3,"kind":"fixed"},"type":"mini"} here, {"client_error":"refund","cost":{"cost":2,"kind":"fixed"},"type":"mini"} in the store');
    // Removing an operation the store has recorded is still refused.
    writeVersions({ ...V1, operations: { search_v1: { cost: 2 } } });
    const removed = await added('catalogue', 'history');
    expect(removed.code).toBe(2);
    expect(removed.stderr).toContain("catalogue version 1: operation summarize_v1 is in the store's record but not here");
  });

  it('a config with only the top-level operations is version 1 since the epoch', async () => {
    writeFileSync(configPath, stringify({ operations: { search_v1: { cost: 3 } } }));
    const legacy = tollgateCli({ ...env, TOLLGATE_DATA: join(dir, 'legacy.db') }, dir);
    const shown = JSON.parse((await legacy('catalogue', 'show', '--json')).stdout) as { version: number; effective_from: string; operations: Record<string, { cost: unknown }> };
    expect(shown).toMatchObject({ version: 1, effective_from: '1970-01-01T00:00:00.000Z' });
    expect(shown.operations.search_v1!.cost).toEqual({ kind: 'fixed', cost: 3 });
  });
});
