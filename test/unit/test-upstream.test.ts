/** The test upstream (test/support/upstream.ts) does what each directive says, over real HTTP. */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_UPSTREAM_HEADER, USAGE_RESPONSE_HEADER, downloadPattern, downloadSha256, startUpstream, type Upstream } from '../support/upstream.js';

let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());
afterEach(() => upstream.reset());

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const EMPTY_SHA256 = sha256('');

function call(path: string, directives: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (directives !== null) headers.set(TEST_UPSTREAM_HEADER, directives);
  return fetch(`${upstream.url}${path}`, { ...init, headers });
}

/** A response body's chunks as they arrive (the DOM types give ReadableStream no async iterator). */
async function* chunks(response: Response): AsyncGenerator<Uint8Array> {
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** Uploads `chunks` chunks of `chunkSize` bytes with node:http, as fast as the upstream reads them; breaks off after `abortAfter` chunks when given. */
function upload(options: { chunks: number; chunkSize: number; directives?: string; abortAfter?: number }): Promise<{ response: IncomingMessage | null; error: Error | null; sha256: string }> {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(options.chunkSize, 'abcdefghij');
  return new Promise((resolve) => {
    const req = httpRequest(`${upstream.url}/upload?size=big`, { method: 'POST', headers: options.directives ? { [TEST_UPSTREAM_HEADER]: options.directives } : {} });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ response, error: null, sha256: hash.digest('hex') }));
    });
    req.on('error', (error) => resolve({ response: null, error, sha256: '' }));
    let sent = 0;
    const more = () => {
      while (sent < options.chunks) {
        if (options.abortAfter !== undefined && sent === options.abortAfter) return void setTimeout(() => req.destroy(), 50);
        sent += 1;
        hash.update(chunk);
        if (!req.write(chunk)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

describe('test upstream', () => {
  it('by default answers 200 JSON telling what it received, and records the request', async () => {
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    const response = await call('/v1/memory?a=1&b=%20', null, { method: 'POST', body, headers: { 'x-caller': 'one', 'content-type': 'application/octet-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true, method: 'POST', path: '/v1/memory?a=1&b=%20', received_bytes: 1000, body_sha256: sha256(body) });
    const [got] = await upstream.waitFor(1);
    expect(got).toMatchObject({ method: 'POST', url: '/v1/memory?a=1&b=%20', bodyBytes: 1000, bodySha256: sha256(body), completed: true });
    expect(got!.headers['x-caller']).toBe('one');
    expect(got!.rawHeaders).toContain('x-caller');
    expect(got!.firstBytes).toEqual(body.subarray(0, 256));
  });

  it('a GET has an empty body', async () => {
    expect(await (await call('/status', null)).json()).toEqual({ ok: true, method: 'GET', path: '/status', received_bytes: 0, body_sha256: EMPTY_SHA256 });
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ bodyBytes: 0, firstBytes: Buffer.alloc(0), completed: true });
  });

  it('status=N answers N with { error: "test" }; 204 has no body', async () => {
    const failing = await call('/x', 'status=503');
    expect(failing.status).toBe(503);
    expect(await failing.json()).toEqual({ error: 'test' });
    const created = await call('/x', ' status=201 ; ');
    expect([created.status, await created.json()]).toEqual([201, { error: 'test' }]);
    const empty = await call('/x', 'status=204', { method: 'DELETE' });
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });

  it('usage=N adds usage.total_tokens to the answer; usage-header=N adds the header to any answer', async () => {
    const usage = await call('/x', 'usage=123', { method: 'POST', body: 'hi' });
    expect(await usage.json()).toEqual({ ok: true, method: 'POST', path: '/x', received_bytes: 2, body_sha256: sha256('hi'), usage: { total_tokens: 123 } });
    expect(usage.headers.get(USAGE_RESPONSE_HEADER)).toBeNull();
    expect(await (await call('/x', 'usage=lots')).json()).toMatchObject({ usage: { total_tokens: 'lots' } });
    const header = await call('/x', 'usage-header=123');
    expect(header.headers.get(USAGE_RESPONSE_HEADER)).toBe('123');
    expect(await header.json()).toMatchObject({ ok: true });
    const both = await call('/x', 'status=500;usage-header=7');
    expect([both.status, both.headers.get(USAGE_RESPONSE_HEADER)]).toEqual([500, '7']);
    await both.body?.cancel();
  });

  it('an unknown or malformed directive is answered 400, saying which', async () => {
    for (const [directives, says] of [
      ['sleep=5', 'unknown directive "sleep"'],
      ['status=99', 'status=99'],
      ['delay=soon', 'delay=soon'],
      ['reset=later', 'reset=later'],
      ['hang=1', 'hang takes no value'],
    ]) {
      const response = await call('/x', directives!);
      expect(response.status, directives).toBe(400);
      expect(((await response.json()) as { error: string }).error, directives).toContain(says);
    }
  });

  it('delay=MS waits before the headers; a client that gives up leaves no timer behind', async () => {
    const started = Date.now();
    const response = await call('/x', 'delay=150');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(200);
    await response.body?.cancel();
    const timedOut = await call('/x', 'delay=5000', { signal: AbortSignal.timeout(100) }).catch((error: unknown) => error);
    expect((timedOut as Error).name).toBe('TimeoutError');
    expect(upstream.received[1]).toMatchObject({ completed: true });
  });

  it('hang reads the body and never answers', async () => {
    const hung = await call('/x', 'hang', { method: 'POST', body: 'abc', signal: AbortSignal.timeout(150) }).catch((error: unknown) => error);
    expect((hung as Error).name).toBe('TimeoutError');
    expect(upstream.received[0]).toMatchObject({ bodyBytes: 3, completed: true });
  });

  it('reset=before-headers resets the connection without an answer, after a delay when asked', async () => {
    const failed = await call('/x', 'reset=before-headers', { method: 'POST', body: 'abc' }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(TypeError);
    const started = Date.now();
    await expect(call('/x', 'delay=100;reset=before-headers')).rejects.toThrow(TypeError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(upstream.received.map((r) => r.completed)).toEqual([true, true]);
  });

  it('reset=mid-body sends 200 and part of the body, then closes: JSON, events and downloads', async () => {
    const json = await call('/x', 'reset=mid-body');
    expect(json.status).toBe(200);
    await expect(json.text()).rejects.toThrow();

    const events = await call('/x', 'sse=4;sse-gap=5;reset=mid-body');
    expect(events.status).toBe(200);
    let text = '';
    const failure = await (async () => {
      for await (const chunk of chunks(events)) text += Buffer.from(chunk).toString();
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(text).toBe('data: {"n":0}\n\ndata: {"n":1}\n\n');

    const download = await call('/x', 'download=1000000;reset=mid-body');
    expect(download.status).toBe(200);
    let bytes = 0;
    const broken = await (async () => {
      for await (const chunk of chunks(download)) bytes += chunk.length;
    })().catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(Error);
    expect(bytes).toBe(500_000);
  });

  it('reset=mid-upload resets the connection once the body starts; the record says the body did not complete', async () => {
    const result = await upload({ chunks: 200, chunkSize: 64 * 1024, directives: 'reset=mid-upload' });
    expect(result.error).toBeInstanceOf(Error);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.completed).toBe(false);
    expect(upstream.received[0]!.bodyBytes).toBeGreaterThan(0);
    expect(upstream.received[0]!.bodyBytes).toBeLessThan(200 * 64 * 1024);
  });

  it('sse=N streams N events sse-gap ms apart, then ends', async () => {
    const started = Date.now();
    const response = await call('/events', 'sse=5;sse-gap=20');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of chunks(response)) {
      arrivals.push(Date.now() - started);
      text += Buffer.from(chunk).toString();
    }
    expect(text).toBe([0, 1, 2, 3, 4].map((n) => `data: {"n":${n}}\n\n`).join(''));
    expect(arrivals.at(-1)!).toBeGreaterThanOrEqual(4 * 20 - 5);
    expect(arrivals.length).toBeGreaterThan(1);
    const none = await call('/events', 'sse=0');
    expect(await none.text()).toBe('');
  });

  it('download=N streams N bytes of the pattern, chunked', async () => {
    const size = 52_428_800;
    const response = await call('/file', `download=${size}`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const hash = createHash('sha256');
    let bytes = 0;
    let first: Buffer | null = null;
    for await (const chunk of chunks(response)) {
      first ??= Buffer.from(chunk.subarray(0, 600));
      bytes += chunk.length;
      hash.update(chunk);
    }
    expect(bytes).toBe(size);
    expect(hash.digest('hex')).toBe(downloadSha256(size));
    expect(first).toEqual(downloadPattern(first!.length));
    expect(downloadSha256(1000)).toBe(sha256(downloadPattern(1000)));
    expect(downloadSha256(70_000)).toBe(sha256(downloadPattern(70_000)));
  });

  it('a 50 MB upload is hashed as it streams, not kept', async () => {
    const before = process.memoryUsage();
    const result = await upload({ chunks: 800, chunkSize: 64 * 1024 });
    const after = process.memoryUsage();
    expect(result.response?.statusCode).toBe(200);
    const [got] = await upstream.waitFor(1);
    expect(got).toMatchObject({ bodyBytes: 800 * 64 * 1024, bodySha256: result.sha256, completed: true });
    expect(got!.firstBytes).toEqual(Buffer.alloc(256, 'abcdefghij'));
    // Client and upstream share this process: 50 MB kept anywhere would show; streamed, far less.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(25 * 1024 * 1024);
  });

  it('a client that breaks off mid-upload leaves a record that did not complete', async () => {
    const result = await upload({ chunks: 100, chunkSize: 16 * 1024, abortAfter: 10 });
    expect(result.error).toBeInstanceOf(Error);
    await expect.poll(() => upstream.received[0]?.bodySha256).not.toBe('');
    expect(upstream.received[0]).toMatchObject({ completed: false, bodyBytes: 10 * 16 * 1024 });
  });

  it('waitFor resolves once n requests are whole, rejects on time, and reset() forgets', async () => {
    const waiting = upstream.waitFor(2, 2_000);
    await Promise.all([call('/a', null), call('/b', null)].map(async (r) => (await r).body?.cancel()));
    expect((await waiting).map((r) => r.url).sort()).toEqual(['/a', '/b']);
    upstream.reset();
    expect(upstream.received).toEqual([]);
    await expect(upstream.waitFor(1, 50)).rejects.toThrow('0 of 1 requests received whole within 50 ms');
  });

  it('close() ends hanging connections and frees the port', async () => {
    const own = await startUpstream();
    const hanging = fetch(`${own.url}/x`, { headers: { [TEST_UPSTREAM_HEADER]: 'hang' } }).catch((error: unknown) => error);
    await own.waitFor(1);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await hanging).toBeInstanceOf(TypeError);
    await expect(fetch(`${own.url}/x`)).rejects.toThrow(TypeError);
  });
});
