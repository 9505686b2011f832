/**
 * The complete flow through Tollgate's HTTP server on the parse store: tenants and Interaction
 * records in a real Parse Server 9.10.0, quota in a SQLite base store.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParseStore } from '../../src/stores/parse/index.js';
import { setupParseSchema } from '../../src/stores/parse/parse-schema.js';
import { startServer, type TestServer } from '../http/support/server.js';
import { describeWithParse, startParseHarness, type ParseHarness } from './support/parse-context.js';

await describeWithParse('HTTP on the parse store', () => {
  let h: ParseHarness;
  let s: TestServer;
  beforeAll(async () => {
    h = await startParseHarness();
    await setupParseSchema(h.client);
    s = await startServer({ wrapStore: (base) => createParseStore({ ...h.connection, base, clock: { now: () => Date.parse('2026-11-15T12:00:00Z') }, reconcileOnStart: false }) });
  });
  afterAll(async () => {
    await s?.close();
    await h?.server.stop();
  });

  it('POST /v1/memory → an Interaction in Parse with all seven pointers, operation_type add_memory_v1, count 4', async () => {
    const org = await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name: 'Parse Co', plan_tier: 'starter', company_id: 'cmp_parseco' } });
    expect(org.status).toBe(201);
    const ns = await s.call({ method: 'POST', url: `/admin/organizations/${org.body.id}/namespaces`, admin: true, body: { name: 'production' } });
    const key = await s.call({ method: 'POST', url: `/admin/namespaces/${ns.body.id}/api-keys`, admin: true, body: { name: 'parse key' } });
    const added = await s.call({ method: 'POST', url: '/v1/memory', key: key.body.key, body: { content: 'stored while Parse counts' } });
    expect(added.status).toBe(200);

    await s.store.log.interactions({ organizationId: org.body.id }); // ships what this process recorded
    const records = await h.client.findAll('Interaction', { organization: { __type: 'Pointer', className: 'Organization', objectId: org.body.id } });
    expect(records).toHaveLength(1);
    const pointer = (className: string, objectId: string) => ({ __type: 'Pointer', className, objectId });
    expect(records[0]).toMatchObject({
      operation_type: 'add_memory_v1',
      count: 4,
      type: 'mini',
      month: 11,
      year: 2026,
      organization: pointer('Organization', org.body.id),
      namespace: pointer('Namespace', ns.body.id),
      apiKey: pointer('APIKey', key.body.id),
      workspace: pointer('WorkSpace', org.body.workspace_id),
      user: pointer('_User', org.body.owner_user_id),
      subscription: pointer('Subscription', org.body.subscription.id),
      company: pointer('Company', 'cmp_parseco'),
    });
    const viaCloud = await h.callFunction('getOrganizationInteractions', { organizationId: org.body.id, month: 11, year: 2026 });
    expect(viaCloud.body.result).toMatchObject({ total: 4, breakdown: { add_memory_v1: 4 } });
    const viaTollgate = await s.call({ method: 'POST', url: '/functions/getOrganizationInteractions', admin: true, body: { organizationId: org.body.id, month: 11, year: 2026 } });
    expect(viaTollgate.body).toEqual({ result: { total: viaCloud.body.result.total, breakdown: viaCloud.body.result.breakdown } });
  });
});
