/**
 * Bodies, query strings and URLs that answered 500 (a stack overflow, "Too few parameter values
 * were provided", "SQLite3 can only bind …") or Fastify's own error body: each is now a 4xx in the
 * documented shape naming the field, and changes no counter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../http/support/server.js';

let s: TestServer;
let t: Awaited<ReturnType<TestServer['tenant']>>;
let orgKey: string;

beforeAll(async () => {
  s = await startServer();
  t = await s.tenant();
  orgKey = (await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'org' } })).body.key;
});
afterAll(async () => s?.close());

const json = (payload: string) => ({ payload, headers: { 'content-type': 'application/json' } });
const nest = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const used = async () => {
  const records = await s.store.log.interactions({ organizationId: t.orgId });
  return records.reduce((sum, r) => sum + r.count, 0);
};

/** The documented error body, naming the field. */
function expectRefusal(r: { status: number; body: any }, status: number, code: string, field: RegExp) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toMatchObject({ code: status, status: 'error', error_code: code, message: expect.any(String), request_id: expect.any(String) });
  expect(r.body.details.field).toMatch(field);
}

describe('JSON bodies are bounded before they are parsed', () => {
  it('nesting past 32 levels in metadata, graph_generation or an array is a 400 naming the field and the bound', async () => {
    const before = await used();
    const metadata = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json(`{"content":"x","metadata":${nest(20_000)}}`) });
    expectRefusal(metadata, 400, 'VALIDATION_FAILED', /^body\.metadata\.a\.a/);
    expect(metadata.body.details).toMatchObject({ bound: 'max_depth', limit: 32 });
    expect(metadata.body.message).toMatch(/at most 32/);
    const graph = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json(`{"content":"x","graph_generation":${nest(40)}}`) });
    expectRefusal(graph, 400, 'VALIDATION_FAILED', /^body\.graph_generation\.a/);
    const arrays = await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, ...json(`{"search_id":"s","feedbackData":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`) });
    expectRefusal(arrays, 400, 'VALIDATION_FAILED', /^body\.feedbackData\.x\[0\]\[0\]/);
    // 32 levels is fine
    const deepest = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json(`{"content":"x","graph_generation":{"auto":${nest(29)}}}`) });
    expect(deepest.status, JSON.stringify(deepest.body)).toBe(200);
    expect(await used()).toBe(before + 4);
  });

  it('more than 10,000 values, a key over 256 characters, a string over 65,536 are refused naming where', async () => {
    const before = await used();
    const many = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json(`{"content":"x","metadata":{"topics":[${Array(10_001).fill('"t"').join(',')}]}}`) });
    expectRefusal(many, 400, 'VALIDATION_FAILED', /^body\.metadata\.topics\[999[0-9]\]/);
    expect(many.body.details).toMatchObject({ bound: 'max_values', limit: 10_000 });
    const key = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', metadata: { customMetadata: { ['k'.repeat(257)]: 1 } } } });
    expectRefusal(key, 400, 'VALIDATION_FAILED', /^body\.metadata\.customMetadata \(a key\)$/);
    const long = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', metadata: { post: 'p'.repeat(65_537) } } });
    expectRefusal(long, 413, 'CONTENT_TOO_LARGE', /^body\.metadata\.post$/);
    expect(long.body.details).toMatchObject({ bound: 'max_string_length', limit: 65_536, actual: 65_537 });
    // content keeps its own limit and message below the string bound
    const content = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'c'.repeat(20_000) } });
    expectRefusal(content, 413, 'CONTENT_TOO_LARGE', /^content$/);
    expect(await used()).toBe(before);
  });

  it('__proto__ and constructor.prototype keys are refused, escaped or not; NUL, lone surrogates and 1e400 too', async () => {
    const before = await used();
    for (const [payload, field] of [
      ['{"content":"x","metadata":{"__proto__":{"isAdmin":true}}}', /^body\.metadata\.__proto__$/],
      ['{"content":"x","metadata":{"\\u005f_proto__":{"isAdmin":true}}}', /^body\.metadata\.__proto__$/],
      ['{"content":"x","policy":{"constructor":{"prototype":{"isAdmin":true}}}}', /^body\.policy\.constructor\.prototype$/],
      ['{"content":"x","metadata":{"sessionId":"a\\u0000b"}}', /^body\.metadata\.sessionId$/],
      ['{"content":"x","metadata":{"sessionId":"a\\ud800b"}}', /^body\.metadata\.sessionId$/],
      ['{"content":"x","metadata":{"goalClassificationScores":[1e400]}}', /^body\.metadata\.goalClassificationScores\[0\]$/],
    ] as const) {
      expectRefusal(await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json(payload) }), 400, 'VALIDATION_FAILED', field);
    }
    const notJson = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json('{"content":') });
    expectRefusal(notJson, 400, 'VALIDATION_FAILED', /^body$/);
    // a proper surrogate pair and a "constructor" that is a plain value are fine
    const fine = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, ...json('{"content":"x \\ud83d\\ude00","metadata":{"constructor":"ok"}}') });
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
    expect(await used()).toBe(before + 4);
  });
});

describe('free-form fields are typed before they reach a store', () => {
  it('metadata.external_user_id that is not a string is a 400, not a driver error', async () => {
    const before = await used();
    for (const value of [{ a: 1 }, true, 5, [], ['a']]) {
      const r = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', metadata: { external_user_id: value } } });
      expectRefusal(r, 400, 'VALIDATION_FAILED', /^body\.metadata\.external_user_id$/);
    }
    const batch = await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: [{ content: 'x', metadata: { external_user_id: { a: 1 } } }] } });
    expectRefusal(batch, 400, 'VALIDATION_FAILED', /^body\.memories\.0\.metadata\.external_user_id$/);
    expect(await used()).toBe(before);
  });

  it('the Papr shapes of graph_generation, link_to, memory_policy, relationships_json and metadata still pass', async () => {
    const r = await s.call({
      method: 'POST',
      url: '/v1/memory',
      key: t.key,
      body: {
        content: 'typed extras',
        metadata: { topics: ['a'], customMetadata: { team: 'core', n: 1, ok: true, tags: ['x'] }, acl: { read: ['u1'] }, 'emoji tags': ['🙂'], goalClassificationScores: [0.5] },
        graph_generation: { mode: 'manual', manual: { nodes: [{ id: 'n1', label: 'Task' }] } },
        link_to: ['Task:title', 'Person:email'],
        memory_policy: { mode: 'auto', node_constraints: [{ node_type: 'Task' }], consent: 'implicit' },
        policy: { graph: { link_to: 'Task:title' } },
        relationships_json: [{ relation_type: 'FOLLOWS', related_item_id: 'mem_1' }],
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const wrong = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', relationships_json: { relation_type: 'FOLLOWS' } } });
    expectRefusal(wrong, 400, 'VALIDATION_FAILED', /^body\.relationships_json$/);
    const linkTo = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', link_to: 5 } });
    expectRefusal(linkTo, 400, 'VALIDATION_FAILED', /^body\.link_to$/);
  });
});

describe('query strings and URLs', () => {
  it('offsets past what a store binds as an integer are a 400 naming the parameter', async () => {
    expectRefusal(await s.call({ method: 'GET', url: '/v1/namespace?skip=9223372036854775807', key: orgKey }), 400, 'VALIDATION_FAILED', /^querystring\.skip$/);
    expectRefusal(await s.call({ method: 'GET', url: '/admin/organizations?offset=99999999999999999999', admin: true }), 400, 'VALIDATION_FAILED', /^querystring\.offset$/);
    expect((await s.call({ method: 'GET', url: '/v1/namespace?skip=2147483647', key: orgKey })).status).toBe(200);
    expect((await s.call({ method: 'GET', url: '/admin/organizations?offset=2147483647', admin: true })).status).toBe(200);
  });

  it('a URL that is not percent-encoded UTF-8, or a path parameter too long, answers the documented body with a request id', async () => {
    const bad = await s.call({ method: 'GET', url: '/v1/memory/%ED%A0%80', key: t.key, headers: { 'x-request-id': 'req-bad-url' } });
    expectRefusal(bad, 400, 'VALIDATION_FAILED', /^url$/);
    expect(bad.body.request_id).toBe('req-bad-url');
    expect(bad.headers['x-request-id']).toBe('req-bad-url');
    const long = await s.call({ method: 'GET', url: `/v1/memory/${'m'.repeat(101)}`, key: t.key });
    expectRefusal(long, 400, 'VALIDATION_FAILED', /^params$/);
  });

  it('a NUL in a path parameter or a query value (%00) is a 400 naming it: PostgreSQL text cannot hold it', async () => {
    expectRefusal(await s.call({ method: 'GET', url: '/v1/memory/mem%00x', key: t.key }), 400, 'VALIDATION_FAILED', /^params\.memory_id$/);
    expectRefusal(await s.call({ method: 'POST', url: '/admin/organizations/%00/api-keys', admin: true, body: { name: 'k' } }), 400, 'VALIDATION_FAILED', /^params\.id$/);
    expectRefusal(await s.call({ method: 'DELETE', url: '/v1/memory/all?external_user_id=a%00', key: t.key }), 400, 'VALIDATION_FAILED', /^querystring\.external_user_id$/);
    expectRefusal(await s.call({ method: 'GET', url: '/v1/usage?namespace_id=x&namespace_id=%00', key: orgKey }), 400, 'VALIDATION_FAILED', /^querystring\.namespace_id$/);
  });

  it('a date-time JS cannot read (a leap second) is refused, not stored as NaN', async () => {
    const r = await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'k', expires_at: '2026-12-31T23:59:60Z' } });
    expectRefusal(r, 400, 'VALIDATION_FAILED', /^body\.expires_at$/);
    const fine = await s.call({ method: 'POST', url: `/admin/organizations/${t.orgId}/api-keys`, admin: true, body: { name: 'k', expires_at: '2026-12-31T23:59:59+14:00' } });
    expect(fine.status, JSON.stringify(fine.body)).toBe(201);
    expect(fine.body.expires_at).toBe('2026-12-31T09:59:59.000Z');
  });

  it('caps and limits a PostgreSQL bigint cannot hold are refused', async () => {
    const cap = await s.call({ method: 'POST', url: `/admin/namespaces/${t.nsId}/api-keys`, admin: true, body: { name: 'k', monthly_cap: 1e300 } });
    expectRefusal(cap, 400, 'VALIDATION_FAILED', /^body\.monthly_cap/);
    const limit = await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { rate_limits: { max_active_memories: 1e300 } } });
    expectRefusal(limit, 400, 'VALIDATION_FAILED', /^body\.rate_limits\.max_active_memories$/);
  });
});

/** The cases issue 17's hostile tenant found, each kept here so that it stays found. */
describe('issue 17: every byte counted, every answer bounded', () => {
  it('a free-form field over its bound (metadata, a pass-through field, a feedback body) is 413 naming it, before the charge', async () => {
    const before = await used();
    const big = { notes: 'm'.repeat(17_000) };
    expectRefusal(await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', metadata: big } }), 413, 'CONTENT_TOO_LARGE', /^metadata$/);
    expectRefusal(await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', graph_generation: { manual: { nodes: [big] } } } }), 413, 'CONTENT_TOO_LARGE', /^graph_generation$/);
    const feedback = { search_id: 's', feedbackData: { feedbackSource: 'inline', feedbackType: 'correction', feedbackText: 'f'.repeat(17_000) } };
    expectRefusal(await s.call({ method: 'POST', url: '/v1/feedback', key: t.key, body: feedback }), 413, 'CONTENT_TOO_LARGE', /^feedbackData$/);
    expect(await used()).toBe(before);
  });

  it('search pages and usage pages are bounded: max_memories 1..100, usage limit 1..1000, a forged cursor refused', async () => {
    expectRefusal(await s.call({ method: 'POST', url: '/v1/memory/search?max_memories=1000', key: t.key, body: { query: 'x' } }), 400, 'VALIDATION_FAILED', /max_memories/);
    expectRefusal(await s.call({ method: 'POST', url: '/v1/memory/search', key: t.key, body: { query: 'x', cursor: 'bm90IGEgY3Vyc29y' } }), 400, 'VALIDATION_FAILED', /cursor/);
    expectRefusal(await s.call({ method: 'GET', url: '/v1/usage?limit=100000', key: orgKey }), 400, 'VALIDATION_FAILED', /limit/);
    expectRefusal(await s.call({ method: 'GET', url: '/v1/usage?offset=99999999999999999999', key: orgKey }), 400, 'VALIDATION_FAILED', /offset/);
  });

  it('names with terminal escapes or bidirectional overrides are refused on every route that writes one', async () => {
    for (const name of ['\u001b[2J\u001b[Hfake', 'ok\u202egnp.exe', 'tab\there', 'c1\u009b31m']) {
      expectRefusal(await s.call({ method: 'POST', url: '/v1/namespace', key: orgKey, body: { name } }), 400, 'VALIDATION_FAILED', /name/);
      expectRefusal(await s.call({ method: 'POST', url: `/v1/namespace/${t.nsId}/api-keys`, key: orgKey, body: { name } }), 400, 'VALIDATION_FAILED', /name/);
      expectRefusal(await s.call({ method: 'POST', url: '/admin/organizations', admin: true, body: { name, plan_tier: 'developer' } }), 400, 'VALIDATION_FAILED', /name/);
    }
  });
});

