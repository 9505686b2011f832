import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { EXPORT_FORMATS } from '../../src/cli/export-formats.js';
import { tollgateCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, TOLLGATE_DATA: join(dir, 'export.db'), TOLLGATE_CONFIG: '' };
const tollgate = tollgateCli(env, dir);

describe('tollgate export', () => {
  it('writes the Interaction records of a month range as JSON, or as the documents Parse keeps in MongoDB', async () => {
    const runtime = await openRuntime(loadConfig({ env }));
    const org = await runtime.tenancy.createOrganization({ name: 'Initech', planTier: 'starter' });
    const ns = await runtime.tenancy.createNamespace(org.id, { name: 'production' });
    const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'backend' });
    const auth = await runtime.meter.authenticate(issued.key);
    if (!auth.ok) throw auth.error;
    for (const op of ['add_memory_v1', 'add_memory_v1', 'search_v1']) expect((await runtime.meter.charge(auth.value, op)).allowed).toBe(true);
    await runtime.close();
    const month = new Date().toISOString().slice(0, 7);

    const json = await tollgate('export', '--org', org.id, '--from', '2020-01', '--to', month, '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const records = JSON.parse(json.stdout) as { operation: string; count: number; calls: number }[];
    expect(records.map((r) => [r.operation, r.count, r.calls]).sort()).toEqual([
      ['add_memory_v1', 8, 2],
      ['search_v1', 1, 1],
    ]);

    const out = join(dir, 'interactions.jsonl');
    const mongo = await tollgate('export', '--org', org.id, '--from', month, '--format', 'parse-mongo', '--out', out);
    expect(mongo.code, mongo.stderr).toBe(0);
    const documents = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(documents).toHaveLength(2);
    for (const d of documents) {
      expect(d).toMatchObject({
        _p_organization: `Organization$${org.id}`,
        _p_namespace: `Namespace$${ns.id}`,
        _p_apiKey: `APIKey$${issued.apiKey.id}`,
        _p_subscription: `Subscription$${org.subscription.id}`,
        _p_workspace: `WorkSpace$${org.workspaceId}`,
        _p_user: `_User$${org.ownerUserId}`,
        type: 'mini',
        _created_at: { $date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
      });
      expect(d._id).toMatch(/^[0-9a-f]{24}$/);
    }
    // An earlier month has nothing.
    expect(JSON.parse((await tollgate('export', '--org', org.id, '--from', '2020-01')).stdout)).toEqual([]);
  });

  it('refuses an unknown format and a malformed month with a clear message', async () => {
    const format = await tollgate('export', '--org', 'org_x', '--from', '2026-11', '--format', 'xml');
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/--format must be one of json, csv, parse-mongo/);
    const month = await tollgate('export', '--org', 'org_x', '--from', 'Nov');
    expect(month.stderr).toMatch(/--from must look like 2026-11/);
    const day = await tollgate('export', '--org', 'org_x', '--from', '2026-02-30');
    expect(day.stderr).toMatch(/--from must look like/);
    const by = await tollgate('export', '--org', 'org_x', '--from', '2026-11', '--by', 'colour');
    expect(by.stderr).toMatch(/--by must be one of operation_type, namespace, api_key, day, type, got "colour"/);
    const mongoGrouped = await tollgate('export', '--org', 'org_x', '--from', '2026-11', '--by', 'day', '--format', 'parse-mongo');
    expect(mongoGrouped.stderr).toMatch(/writes Interaction records only/);
  });

  it('writes grouped usage and usage events as CSV or JSON, with a progress bar', async () => {
    const runtime = await openRuntime(loadConfig({ env }));
    const org = await runtime.tenancy.createOrganization({ name: 'Hooli, "Inc"', planTier: 'starter' });
    const ns = await runtime.tenancy.createNamespace(org.id, { name: 'production' });
    const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'backend' });
    const auth = await runtime.meter.authenticate(issued.key);
    if (!auth.ok) throw auth.error;
    for (const op of ['add_memory_v1', 'search_v1', 'search_v1', 'get_sync_tiers']) expect((await runtime.meter.charge(auth.value, op)).allowed).toBe(true);
    await runtime.close();
    const today = new Date().toISOString().slice(0, 10);

    const byOperation = await tollgate('export', '--org', org.id, '--from', today, '--by', 'operation_type', '--format', 'csv');
    expect(byOperation.code, byOperation.stderr).toBe(0);
    expect(byOperation.stdout.trim().split('\r\n')).toEqual([
      'operation_type,interactions,calls,refused',
      'add_memory_v1,4,1,0',
      'get_sync_tiers,3,1,0',
      'search_v1,2,2,0',
    ]);
    const byDay = JSON.parse((await tollgate('export', '--org', org.id, '--from', today.slice(0, 7), '--by', 'day')).stdout);
    expect(byDay).toEqual([{ day: today, interactions: 9, calls: 4, refused: 0 }]);

    const out = join(dir, 'events.csv');
    const events = await tollgate('export', '--org', org.id, '--from', today, '--events', '--format', 'csv', '--out', out, '--progress');
    expect(events.code, events.stderr).toBe(0);
    expect(events.stderr).toMatch(/export \[.*\] 1\/1 days \| 4 rows/);
    expect(events.stderr).toMatch(/wrote 4 rows/);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('chargeId,atMs,organizationId,namespaceId,apiKeyId,operation,type,cost,outcome,reason,idempotencyKey');
    expect(lines.slice(1).map((l) => l.split(',').slice(5, 9).join(' '))).toEqual([
      'add_memory_v1 mini 4 granted',
      'search_v1 mini 1 granted',
      'search_v1 mini 1 granted',
      'get_sync_tiers mini 3 granted',
    ]);
  });

  it('writes text a spreadsheet would run as a formula with a leading quote, in quotes; numbers stay numbers', async () => {
    const runtime = await openRuntime(loadConfig({ env }));
    const org = await runtime.tenancy.createOrganization({ name: 'Umbrella', planTier: 'starter' });
    const ns = await runtime.tenancy.createNamespace(org.id, { name: 'production' });
    const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'backend' });
    const auth = await runtime.meter.authenticate(issued.key);
    if (!auth.ok) throw auth.error;
    // The Idempotency-Key a tenant sends, and the cell it must become.
    const cells: Record<string, string> = {
      '=HYPERLINK("http://x","y")': `"'=HYPERLINK(""http://x"",""y"")"`,
      '@SUM(A1)': `"'@SUM(A1)"`,
      '+1': `"'+1"`,
      '-1+2': `"'-1+2"`,
      '\t=1': `"'\t=1"`,
      '\uff1d1+1': `"'\uff1d1+1"`,
      'plain-key=1': 'plain-key=1',
    };
    for (const key of Object.keys(cells)) expect((await runtime.meter.charge(auth.value, 'search_v1', { idempotencyKey: key })).allowed).toBe(true);
    await runtime.close();
    const today = new Date().toISOString().slice(0, 10);

    const events = await tollgate('export', '--org', org.id, '--from', today, '--events', '--format', 'csv');
    expect(events.code, events.stderr).toBe(0);
    const lines = events.stdout.trim().split('\r\n').slice(1);
    expect(lines).toHaveLength(Object.keys(cells).length);
    for (const cell of Object.values(cells)) expect(lines.filter((line) => line.endsWith(`,granted,,${cell}`)), cell).toHaveLength(1);
    // atMs and cost are numbers, written bare.
    for (const line of lines) expect(line.split(',').slice(1, 2).concat(line.split(',').slice(7, 8))).toEqual([expect.stringMatching(/^\d+$/), '1']);

    let written = '';
    const writer = EXPORT_FORMATS.csv!.open(['n', 'text'], (text) => (written += text));
    writer.write([{ n: -5, text: '-5' }, { n: -1.5, text: '1,5' }]);
    writer.end();
    expect(written).toBe(`n,text\r\n-5,"'-5"\r\n-1.5,"1,5"\r\n`);
  });
});
