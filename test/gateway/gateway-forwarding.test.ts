/**
 * Issue 14, gateway mode, against a real upstream on a real port: each call is authenticated,
 * priced, charged and forwarded with the caller's identity signed; what the upstream answers comes
 * back with Tollgate's usage headers; a 5xx, a timeout, a reset or an unreachable upstream gives the
 * charge back; a route with no entry is refused (or passed free, by the setting).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyIdentity } from '../../src/upstream.js';
import { startServer, type TestServer } from '../http/support/server.js';
import { startUpstream, TEST_UPSTREAM_HEADER, type Upstream } from '../support/upstream.js';
import { GATEWAY_SECRET as SECRET, startGateway, type TestGateway } from './support/gateway.js';

describe('gateway mode: the routes table forwarded to a real upstream', () => {
  let g: TestGateway;
  let upstream: Upstream;
  let s: TestServer;
  let base: string;
  let t: TestGateway['tenant'];

  beforeAll(async () => {
    g = await startGateway({ gateway: { headersTimeoutMs: 500 }, http: { requestTimeoutMs: 60_000 } });
    ({ upstream, server: s, base, tenant: t } = g);
  });
  afterAll(() => g.close());
  afterEach(() => upstream.reset());

  const send = (method: string, path: string, options: { body?: unknown; behave?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        'x-api-key': t.key,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.behave ? { [TEST_UPSTREAM_HEADER]: options.behave } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  /** The organization's mini interactions this month, from the usage API. */
  const used = async (): Promise<number> => {
    const r = await s.call({ method: 'GET', url: '/v1/usage', key: t.key });
    expect(r.status).toBe(200);
    const value = r.body.interactions.mini.used as number;
    expect(Number.isInteger(value)).toBe(true);
    return value;
  };

  it('forwards a priced call with the identity signed and the caller’s credentials and x-tollgate-* headers stripped', async () => {
    const before = await used();
    const r = await send('POST', '/v1/memory?trace=1', { body: { content: 'hello', type: 'text' }, headers: { 'x-tollgate-organization': 'org_forged', 'x-custom': 'kept' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-usage-cost')).toBe('4');
    const answered = (await r.json()) as { path: string; received_bytes: number };
    expect(answered.path).toBe('/v1/memory?trace=1');
    const [got] = await upstream.waitFor(1);
    expect(got!.headers['x-api-key']).toBeUndefined();
    expect(got!.headers['x-custom']).toBe('kept');
    expect(got!.bodyBytes).toBe(Buffer.byteLength(JSON.stringify({ content: 'hello', type: 'text' })));
    const verified = verifyIdentity([SECRET], { method: got!.method, path: got!.url, headers: got!.headers }, { nowSec: Math.floor(s.clock.now() / 1000) });
    expect(verifyIdentity([SECRET], { method: 'GET', path: got!.url, headers: got!.headers }, { nowSec: Math.floor(s.clock.now() / 1000) }).ok).toBe(false);
    expect(verified).toMatchObject({ ok: true, identity: { organizationId: t.orgId, namespaceId: t.nsId, apiKeyId: t.keyId } });
    expect(verified.ok && verified.identity.chargeId).toMatch(/.+/);
    expect(await used()).toBe(before + 4);
  });

  it('prices a batch by its items from the body it forwards', async () => {
    const before = await used();
    const memories = [1, 2, 3].map((n) => ({ content: `m${n}`, type: 'text' }));
    const r = await send('POST', '/v1/memory/batch', { body: { memories } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-usage-cost')).toBe('12');
    const [got] = await upstream.waitFor(1);
    expect(got!.bodyBytes).toBe(Buffer.byteLength(JSON.stringify({ memories })));
    expect(await used()).toBe(before + 12);
  });

  it('gives the charge back when the upstream answers 5xx, times out, resets or cannot be reached', async () => {
    const before = await used();
    const failed = await send('POST', '/v1/memory', { body: { content: 'x', type: 'text' }, behave: 'status=503' });
    expect(failed.status).toBe(503);
    const late = await send('POST', '/v1/memory', { body: { content: 'x', type: 'text' }, behave: 'delay=2000' });
    expect(late.status).toBe(504);
    expect(((await late.json()) as { error_code: string }).error_code).toBe('UPSTREAM_TIMEOUT');
    const reset = await send('POST', '/v1/memory', { body: { content: 'x', type: 'text' }, behave: 'reset=before-headers' });
    expect(reset.status).toBe(502);
    expect(((await reset.json()) as { error_code: string }).error_code).toBe('UPSTREAM_UNAVAILABLE');
    const broken = await send('GET', '/v1/memory/mem_1', { behave: 'reset=mid-body' });
    expect(broken.status).toBe(200);
    await expect(broken.arrayBuffer()).rejects.toThrow();
    await expect.poll(used, { timeout: 2000 }).toBe(before);
  });

  it('refuses a route with no entry with 404 UNKNOWN_OPERATION, and charges nothing', async () => {
    const before = await used();
    const r = await send('POST', '/v1/not-a-route', { body: {} });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error_code: string }).error_code).toBe('UNKNOWN_OPERATION');
    expect(upstream.received).toHaveLength(0);
    expect(await used()).toBe(before);
  });

  it('answers 401 without forwarding when the key is wrong', async () => {
    const r = await fetch(`${base}/v1/memory`, { method: 'POST', headers: { 'x-api-key': 'tg_wrong', 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
    expect(upstream.received).toHaveLength(0);
  });
});

describe('gateway mode: an upstream that is not there', () => {
  it('answers 502 UPSTREAM_UNAVAILABLE and gives the charge back', async () => {
    const gone = await startUpstream();
    const url = gone.url;
    await gone.close();
    const s = await startServer({ gateway: { upstream: url, signingSecrets: [SECRET] } });
    try {
      const t = await s.tenant();
      const r = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'x', type: 'text' } });
      expect([r.status, r.body.error_code]).toEqual([502, 'UPSTREAM_UNAVAILABLE']);
      expect(r.headers['x-usage-cost']).toBe('4');
      const usage = await s.call({ method: 'GET', url: '/v1/usage', key: t.key });
      expect(usage.body.interactions.mini.used).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('gateway mode: mixed and unknown routes passed', () => {
  it('serves a hosted prefix itself and forwards the rest; passes an unknown route free when told to', async () => {
    const upstream = await startUpstream();
    const s = await startServer({ gateway: { upstream: upstream.url, signingSecrets: [SECRET], hosted: ['/v1/memory'], unknownRoutes: 'pass' } });
    try {
      const t = await s.tenant();
      const hosted = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'kept here', type: 'text' } });
      expect(hosted.status).toBe(200);
      expect(upstream.received).toHaveLength(0);
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
      const forwarded = await fetch(`${base}/v1/user`, { headers: { 'x-api-key': t.key } });
      expect(forwarded.status).toBe(200);
      expect(forwarded.headers.get('x-usage-cost')).toBe('1');
      const passed = await fetch(`${base}/v1/some/new/route`, { headers: { 'x-api-key': t.key } });
      expect(passed.status).toBe(200);
      expect(passed.headers.get('x-usage-cost')).toBeNull();
      expect((await upstream.waitFor(2)).map((r) => r.url)).toEqual(['/v1/user', '/v1/some/new/route']);
    } finally {
      await s.close();
      await upstream.close();
    }
  });
});
