import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { tollgateCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-outbox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, TOLLGATE_DATA: join(dir, 'outbox.db'), TOLLGATE_CONFIG: '' };
const tollgate = tollgateCli(env, dir);

describe('tollgate outbox', () => {
  it('lists the dead letters with their last error and puts them back with retry', async () => {
    const runtime = await openRuntime(loadConfig({ env }));
    const org = await runtime.tenancy.createOrganization({ name: 'Initech', planTier: 'starter' });
    await runtime.store.webhooks.create({ id: 'wh_cli', organizationId: org.id, url: 'https://hooks.example.com/x', eventTypes: ['key.revoked'], sealedSecret: 'v1.a.b.c', createdAt: 1 });
    const now = Date.now();
    await runtime.store.outbox.enqueue([1, 2].map((i) => ({ dedupKey: `cli:${i}`, organizationId: org.id, topic: 'webhook' as const, type: 'key.revoked', payload: { i }, atMs: now, availableAtMs: now })));
    const leased = await runtime.store.outbox.lease({ topic: 'webhook', owner: 'cli-test', nowMs: now, leaseMs: 1_000, limit: 10 });
    await runtime.store.outbox.settle('cli-test', [{ id: leased[0]!.id, state: 'failed', error: 'HTTP 410: \u001b[31mgone', status: 410 }]);
    await runtime.close();

    const list = await tollgate('outbox', 'list', '--state', 'failed');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(leased[0]!.id);
    expect(list.stdout).toContain('HTTP 410');
    expect(list.stdout).not.toContain('\u001b[31m');
    const json = JSON.parse((await tollgate('outbox', 'list', '--org', org.id, '--json')).stdout);
    expect(json.map((e: { state: string }) => e.state).sort()).toEqual(['failed', 'pending']);

    expect((await tollgate('outbox', 'list', '--state', 'lost')).code).not.toBe(0);
    expect((await tollgate('outbox', 'retry')).code).not.toBe(0);
    const retried = await tollgate('outbox', 'retry', '--org', org.id);
    expect(retried.stdout).toContain('1 dead letter put back');
    expect(JSON.parse((await tollgate('outbox', 'list', '--state', 'failed', '--json')).stdout)).toEqual([]);
  });
});
