import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/**
 * Names of organizations, namespaces and keys are shown to operators in terminals (tollgate
 * namespace list) and pages: every route that writes one refuses control and bidirectional
 * characters with a 400 naming the field, and writes nothing.
 */
const REFUSED = {
  'ESC (clear screen)': 'prod\u001b[2J\u001b[H',
  'ESC (OSC 8 hyperlink)': '\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007',
  NUL: 'a\u0000b',
  'line feed': 'prod\nfake output',
  tab: 'a\tb',
  DEL: 'a\u007fb',
  'C1 CSI': 'a\u009b2Jb',
  'right-to-left override': 'gpj.\u202eexe',
  'left-to-right isolate': 'a\u2066b\u2069',
};

let s: TestServer;
let t: { orgId: string; nsId: string };
let orgKey: string;

beforeAll(async () => {
  s = await startServer();
  t = await s.tenant();
  orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'manager' } })).body.key;
});
afterAll(async () => s.close());

/** Every route that writes a name, with who may call it. */
const ROUTES = () => [
  { method: 'POST', url: '/admin/organizations', admin: true },
  { method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true },
  { method: 'POST', url: `/admin/organizations/${t.orgId}/namespaces`, admin: true },
  { method: 'PATCH', url: `/admin/namespaces/${t.nsId}`, admin: true },
  { method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true },
  { method: 'POST', url: `/admin/namespaces/${t.nsId}/api-keys`, admin: true },
  { method: 'POST', url: '/v1/namespace', key: orgKey },
  { method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey },
  { method: 'POST', url: `/v1/namespace/${t.nsId}/api-keys`, key: orgKey },
] as const;

/** Every organization, namespace and key with its name (last use aside: the organization key is used by the calls). */
async function directory() {
  const get = async (url: string) => (await s.call({ method: 'GET', url, admin: true })).body;
  const organizations = (await get('/admin/organizations?limit=1000')).items;
  const namespaces = [];
  const keys = [];
  for (const org of organizations) {
    namespaces.push(...(await get(`/admin/organizations/${org.id}/namespaces?limit=1000`)).items);
    keys.push(...(await get(`/admin/organizations/${org.id}/api-keys`)).items.map(({ last_used_at: _, ...key }: Record<string, unknown>) => key));
  }
  return { organizations, namespaces, keys };
}

describe('names refuse control and bidirectional characters', () => {
  it('each route that writes a name answers 400 VALIDATION_FAILED naming body.name, and writes nothing', async () => {
    const before = await directory();
    for (const route of ROUTES()) {
      for (const [what, name] of Object.entries(REFUSED)) {
        const r = await s.call({ ...route, body: { name } });
        expect([r.status, r.body.error_code, r.body.details?.field], `${route.method} ${route.url} with ${what}`).toEqual([400, 'VALIDATION_FAILED', 'body.name']);
        expect(r.body.message).not.toContain(name);
      }
    }
    expect(await directory()).toEqual(before);
  });

  it('names in any script, with emoji and inner spaces, are still taken on every route', async () => {
    const name = 'Café 東京 — שלום ☕ 🙂';
    for (const route of ROUTES()) {
      const r = await s.call({ ...route, body: { name } });
      expect(r.status, `${route.method} ${route.url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
      expect(r.body.name ?? r.body.data?.name).toBe(name);
    }
  });

  it('the OpenAPI document shows the rule on every name field', async () => {
    const doc = (await s.call({ method: 'GET', url: '/docs/json' })).body;
    const patterns = ROUTES().map((route) => {
      const path = route.url.replace(t.orgId, '{id}').replace(`/admin/namespaces/${t.nsId}`, '/admin/namespaces/{id}').replace(t.nsId, '{namespace_id}');
      const body = doc.paths[path]?.[route.method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
      const name = body?.properties?.name;
      return `${route.method} ${path}: ${name?.pattern ?? name?.anyOf?.find((s: { pattern?: string }) => s.pattern)?.pattern}`;
    });
    for (const line of patterns) expect(line).toMatch(/: \^\[\^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\]\*\$$/);
  });
});
