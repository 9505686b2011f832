import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpConfig } from '../../src/core/config.js';
import { startServer, type TestServer } from './support/server.js';

// Small bounds so that each case takes about a second; the server sweeps for expired requests
// every tenth of the shorter bound (50 ms here), so an answer may come that much after its bound.
const HTTP: HttpConfig = { requestTimeoutMs: 1000, headersTimeoutMs: 500, keepAliveTimeoutMs: 1000, connectionTimeoutMs: 5000 };
const SLACK_MS = 400;
const BODY = JSON.stringify({ content: 'x'.repeat(100 - '{"content":""}'.length) });

/** A raw connection: what the server sent, and when (ms after connecting) it sent it and closed. */
interface Exchange {
  readonly socket: Socket;
  readonly text: () => string;
  readonly firstByteAfterMs: () => number | null;
  readonly closed: Promise<number>;
  readonly since: () => number;
}

const opened: Socket[] = [];
// Without the bounds under test the server would hold these sockets for minutes: end them here.
afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
});

async function open(port: number): Promise<Exchange> {
  const socket = connect({ port, host: '127.0.0.1' });
  opened.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const start = performance.now();
  let text = '';
  let firstByte: number | null = null;
  socket.on('data', (chunk) => {
    firstByte ??= performance.now() - start;
    text += chunk.toString('latin1');
  });
  socket.on('error', () => {}); // a reset is also a close
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - start)));
  return { socket, text: () => text, firstByteAfterMs: () => firstByte, closed, since: () => performance.now() - start };
}

/** When the server closed the connection, in ms after connecting; fails once `limitMs` has passed with it open. */
async function closedWithin(exchange: Exchange, limitMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server still held the connection after ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([exchange.closed, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes one byte every `everyMs` until the socket closes (or `bytes` run out). */
function drip(exchange: Exchange, bytes: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (exchange.socket.destroyed || i >= bytes.length) return clearInterval(timer);
    exchange.socket.write(bytes[i++]!);
  }, everyMs);
  void exchange.closed.then(() => clearInterval(timer));
}

function postHead(key: string, contentLength: number): string {
  return `POST /v1/memory HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;
}

/** The server's answer to a timed-out request: 408 REQUEST_TIMEOUT in the usual error body, then the connection closed. */
function expectRequestTimeout(text: string): void {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  expect(head.toLowerCase()).toContain('connection: close');
  expect(JSON.parse(body)).toMatchObject({ code: 408, status: 'error', error_code: 'REQUEST_TIMEOUT', data: null, request_id: expect.any(String) });
}

describe('slow clients on a real port', () => {
  let s: TestServer;
  let port: number;
  let key: string;
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    s = await startServer({ http: HTTP });
    key = (await s.tenant()).key;
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    console.info('slow clients: closed after (ms)', measured);
    await s.close();
  });

  it('a body that stops after 10 of its 100 bytes is answered 408 and closed within the request timeout', async () => {
    const c = await open(port);
    c.socket.write(postHead(key, 100) + BODY.slice(0, 10));
    const closedAfterMs = await closedWithin(c, 3000);
    measured.stalledBody = Math.round(closedAfterMs);
    expectRequestTimeout(c.text());
    expect(closedAfterMs).toBeGreaterThanOrEqual(HTTP.requestTimeoutMs - 50);
    expect(closedAfterMs).toBeLessThan(HTTP.requestTimeoutMs + SLACK_MS);
  }, 5000);

  it('a body sent a byte every 200 ms (20 s for 100 bytes) is answered 408 and closed within the request timeout', async () => {
    const c = await open(port);
    c.socket.write(postHead(key, 100));
    drip(c, BODY, 200);
    const closedAfterMs = await closedWithin(c, 3000);
    measured.drippedBody = Math.round(closedAfterMs);
    expectRequestTimeout(c.text());
    expect(closedAfterMs).toBeGreaterThanOrEqual(HTTP.requestTimeoutMs - 50);
    expect(closedAfterMs).toBeLessThan(HTTP.requestTimeoutMs + SLACK_MS);
  }, 5000);

  it('headers sent a byte every 50 ms and never finished are answered 408 and closed within the headers timeout', async () => {
    const c = await open(port);
    c.socket.write('POST /v1/memory HTTP/1.1\r\n');
    drip(c, `Host: 127.0.0.1\r\nX-API-Key: ${key}\r\nX-Padding: ${'p'.repeat(200)}`, 50);
    const closedAfterMs = await closedWithin(c, 3000);
    measured.slowHeaders = Math.round(closedAfterMs);
    expectRequestTimeout(c.text());
    expect(closedAfterMs).toBeGreaterThanOrEqual(HTTP.headersTimeoutMs - 50);
    expect(closedAfterMs).toBeLessThan(HTTP.headersTimeoutMs + SLACK_MS);
  }, 5000);

  it('a connection that never sends a byte is answered 408 and closed within the headers timeout', async () => {
    const c = await open(port);
    const closedAfterMs = await closedWithin(c, 3000);
    measured.silentConnection = Math.round(closedAfterMs);
    expectRequestTimeout(c.text());
    expect(closedAfterMs).toBeGreaterThanOrEqual(HTTP.headersTimeoutMs - 50);
    expect(closedAfterMs).toBeLessThan(HTTP.headersTimeoutMs + SLACK_MS);
  }, 5000);

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const c = await open(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await expect.poll(() => /\r\n\r\n[\s\S]*\}/.test(c.text()), { timeout: 2000 }).toBe(true);
    const answeredAt = c.since();
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.text().toLowerCase()).toContain('keep-alive: timeout=1');
    const idleMs = (await closedWithin(c, 4000)) - answeredAt;
    measured.idleKeepAlive = Math.round(idleMs);
    // Node keeps the socket keepAliveTimeoutBuffer (1 s) past the advertised timeout, so that a
    // client reusing it at the last moment is not reset.
    expect(idleMs).toBeGreaterThanOrEqual(HTTP.keepAliveTimeoutMs - 50);
    expect(idleMs).toBeLessThan(HTTP.keepAliveTimeoutMs + 1000 + SLACK_MS);
    // The status line, not the whole text: a random x-request-id may hold the digits 408 (c408b1f6… failed a run).
    expect(c.text()).not.toMatch(/^HTTP\/1\.1 408 /m);
  }, 5000);

  it('a whole request still succeeds, and none of the stalled ones was charged', async () => {
    const c = await open(port);
    c.socket.write(postHead(key, Buffer.byteLength(BODY)).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') + BODY);
    await closedWithin(c, 3000);
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.text().toLowerCase()).toContain('x-usage-cost:');

    const usage = (await s.call({ method: 'GET', url: '/v1/usage', key })).body;
    expect(usage.by_operation_type).toEqual([expect.objectContaining({ operation_type: 'add_memory_v1', calls: 1, refused: 0 })]);
    expect(usage.interactions.mini.used).toBe(usage.by_operation_type[0].interactions);
  }, 5000);
});

describe('what Node refuses on the socket', () => {
  let s: TestServer;
  let port: number;

  beforeAll(async () => {
    s = await startServer({ http: HTTP });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as { port: number }).port;
  });
  afterAll(async () => s.close());

  const answer = async (request: string) => {
    const c = await open(port);
    c.socket.write(request);
    await closedWithin(c, 3000);
    const [head = '', body = ''] = c.text().split('\r\n\r\n');
    return { head: head.toLowerCase(), body: JSON.parse(body) };
  };

  it('an unparsable request answers 400 VALIDATION_FAILED in the usual body', async () => {
    const { head, body } = await answer('NOT HTTP AT ALL\r\n\r\n');
    expect(head).toMatch(/^http\/1\.1 400 bad request\r\n/);
    expect(head).toContain('x-should-retry: false');
    expect(body).toMatchObject({ code: 400, status: 'error', error_code: 'VALIDATION_FAILED', field: 'request' });
  });

  it('headers over the size Node accepts answer 431 HEADERS_TOO_LARGE in the usual body', async () => {
    const { head, body } = await answer(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(head).toMatch(/^http\/1\.1 431 request header fields too large\r\n/);
    expect(body).toMatchObject({ code: 431, status: 'error', error_code: 'HEADERS_TOO_LARGE' });
  });
});

describe('a socket silent for the connection timeout', () => {
  let s: TestServer;
  let port: number;

  beforeAll(async () => {
    s = await startServer({ http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 5000, connectionTimeoutMs: 500 } });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    port = (s.app.server.address() as { port: number }).port;
  });
  afterAll(async () => s.close());

  it('is closed after connectionTimeout even when the request timeout is far off', async () => {
    const key = (await s.tenant()).key;
    const c = await open(port);
    c.socket.write(postHead(key, 100) + BODY.slice(0, 10));
    const closedAfterMs = await closedWithin(c, 3000);
    console.info('slow clients: silent socket closed after (ms)', Math.round(closedAfterMs));
    expect(closedAfterMs).toBeGreaterThanOrEqual(500 - 50);
    expect(closedAfterMs).toBeLessThan(500 + SLACK_MS);
  }, 5000);
});
