import { afterAll, beforeAll, expect, it } from 'vitest';
import { tollgateCli } from '../support/cli.js';
import { describeWithParse, startParseHarness, type ParseHarness } from './support/parse-context.js';

const tollgate = tollgateCli({ ...process.env, TOLLGATE_CONFIG: '', PARSE_SERVER_URL: '', PARSE_APP_ID: '', PARSE_MASTER_KEY: '' });

await describeWithParse('tollgate parse setup (Parse Server 9.10, PostgreSQL)', () => {
  let h: ParseHarness;
  beforeAll(async () => {
    h = await startParseHarness();
  });
  afterAll(async () => {
    await h?.server.stop();
  });
  const setup = async (...extra: string[]) => {
    const args = ['parse', 'setup', '--server-url', h.server.serverUrl, '--app-id', h.server.appId, '--master-key', h.server.masterKey, ...extra];
    const run = await tollgate(...args);
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };

  it('creates the classes and indexes, then a second run succeeds and changes nothing; --dry-run sends nothing', async () => {
    const planned = JSON.parse(await setup('--dry-run', '--json'));
    expect(planned.classesCreated).toContain('Interaction');
    expect((await h.client.request<{ results: unknown[] }>('GET', 'schemas')).results.map((s) => (s as { className: string }).className)).not.toContain('Interaction');

    const first = await setup();
    expect(first).toMatch(/Created classes: Interaction, TollgateSync/);
    expect(first).toMatch(/Added indexes: .*Interaction\.organization_1_month_1_year_1/);
    const schema = await h.client.request('GET', 'schemas/Interaction');
    expect(await setup()).toMatch(/^Nothing to change/);
    expect(JSON.parse(await setup('--json'))).toMatchObject({ classesCreated: [], fieldsAdded: [], indexesAdded: [] });
    expect(await h.client.request('GET', 'schemas/Interaction')).toEqual(schema);
  });

  it('says which connection settings are missing', async () => {
    const failed = await tollgate('parse', 'setup', '--server-url', h.server.serverUrl);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/give --app-id \(or PARSE_APP_ID\), --master-key \(or PARSE_MASTER_KEY\)/);
  });
});
