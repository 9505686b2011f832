/**
 * Issue 14: the gateway streams bodies both ways. A 50 MB upload and a 50 MB download pass through
 * without being held (the upstream has nearly all of an upload before the client sends its last chunk;
 * a download's 50 MB never show in this process's memory, which client, gateway and upstream share), and an event stream's events reach the caller as the upstream sends them.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadSha256, TEST_UPSTREAM_HEADER, type Upstream } from '../support/upstream.js';
import { startGateway, type TestGateway } from './support/gateway.js';
const SIZE = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

// The collector, reached at run time: what is retained after a collection is what was kept, not
// the garbage of chunks already passed on (which a loaded machine collects late).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Buffers retained (after a collection) beyond those of when it was made, in bytes. */
function retainedSince(): () => number {
  collect();
  const base = process.memoryUsage().arrayBuffers;
  return () => {
    collect();
    return process.memoryUsage().arrayBuffers - base;
  };
}

describe('gateway streaming', () => {
  let g: TestGateway;
  let upstream: Upstream;
  let base: string;
  let key: string;

  beforeAll(async () => {
    g = await startGateway({ http: { requestTimeoutMs: 120_000 } });
    ({ upstream, base } = g);
    key = g.tenant.key;
  });
  afterAll(() => g.close());

  it('passes a 50 MB upload through as it arrives, byte for byte', async () => {
    upstream.reset();
    const chunk = Buffer.alloc(CHUNK, 'tollgate-');
    const sent = createHash('sha256');
    const chunks = SIZE / CHUNK;
    let upstreamHadBeforeLast = 0;
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < chunks; i++) {
          if (i === chunks - 1) {
            // Before the last chunk leaves the client, the upstream must already hold nearly all the
            // others: a gateway that buffered the upload would forward nothing until the end, and
            // this wait would run out.
            const until = performance.now() + 10_000;
            while ((upstream.received[0]?.bodyBytes ?? 0) < SIZE - 4 * 1024 * 1024 && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
            upstreamHadBeforeLast = upstream.received[0]?.bodyBytes ?? 0;
          }
          sent.update(chunk);
          yield chunk;
        }
      })(),
    );
    const r = await request(`${base}/v1/document`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' }, body });
    expect(r.statusCode).toBe(200);
    await r.body.text();
    const [got] = await upstream.waitFor(1, 20_000);
    expect(got).toMatchObject({ bodyBytes: SIZE, bodySha256: sent.digest('hex'), completed: true });
    console.info(`gateway upload: ${SIZE / 1024 / 1024} MB; the upstream held ${(upstreamHadBeforeLast / 1024 / 1024).toFixed(1)} MB before the client sent its last 64 KiB`);
    expect(upstreamHadBeforeLast).toBeGreaterThanOrEqual(SIZE - 4 * 1024 * 1024);
  }, 60_000);

  it('refuses an upload larger than gateway.maxUploadBytes from its declared length with 413, before forwarding', async () => {
    upstream.reset();
    const r = await request(`${base}/v1/document`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/octet-stream', 'content-length': String(200 * 1024 * 1024) }, body: Readable.from([Buffer.alloc(10)]) }).catch((e: Error) => e);
    if (!(r instanceof Error)) {
      expect(r.statusCode).toBe(413);
      await r.body.text();
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('hands a 50 MB download on as it arrives', async () => {
    const hash = createHash('sha256');
    let bytes = 0;
    let peak = 0;
    let parts = 0;
    const retained = retainedSince();
    const r = await request(`${base}/v1/omo/export.json`, { headers: { 'x-api-key': key, [TEST_UPSTREAM_HEADER]: `download=${SIZE}` } });
    expect(r.statusCode).toBe(200);
    for await (const part of r.body) {
      bytes += (part as Buffer).length;
      hash.update(part as Buffer);
      if (++parts % 100 === 0) peak = Math.max(peak, retained());
    }
    expect(bytes).toBe(SIZE);
    expect(hash.digest('hex')).toBe(downloadSha256(SIZE));
    console.info(`gateway download: ${SIZE / 1024 / 1024} MB in ${parts} parts, at most ${(peak / 1024 / 1024).toFixed(1)} MB retained while it passed`);
    expect(parts).toBeGreaterThan(100);
    // In flight at any moment: what the stream buffers of client, gateway and upstream hold (up to
    // some 20 MB at a sample on a loaded machine). A gateway that held the whole download before
    // passing it on would hold all 50 MB by the first sample.
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  }, 60_000);

  it('delivers an event stream event by event, not at its end', async () => {
    const started = performance.now();
    const r = await request(`${base}/v1/ai/openai/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', [TEST_UPSTREAM_HEADER]: 'sse=5;sse-gap=200' },
      body: JSON.stringify({ model: 'x', messages: [], stream: true }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/event-stream');
    expect(r.headers['x-usage-cost']).toBe('4');
    const arrivals: number[] = [];
    let text = '';
    for await (const part of r.body) {
      text += (part as Buffer).toString();
      arrivals.push(performance.now() - started);
    }
    expect(text.match(/^data: /gm)).toHaveLength(5);
    // Five events 200 ms apart: the first is in hand some 800 ms before the last.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(500);
  });
});
