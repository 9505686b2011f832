/**
 * A real upstream API for the gateway's tests (issue 14): a `node:http` server on 127.0.0.1 that
 * records every request it gets and answers as the request asks in its `x-test-upstream` header,
 * semicolon-separated directives (`status=503;delay=200`):
 *
 * | directive | answer |
 * | --- | --- |
 * | (none) | 200 `application/json` `{ ok: true, method, path, received_bytes, body_sha256 }` |
 * | `status=N` | status N (200–599) with `{ "error": "test" }` (no body for 204 and 304) |
 * | `delay=MS` | waits MS before answering (or resetting) |
 * | `hang` | reads the body and never answers |
 * | `reset=before-headers` | resets the connection (TCP RST) instead of answering |
 * | `reset=mid-body` | sends 200 and part of the body (half the bytes, events), then closes the connection |
 * | `reset=mid-upload` | resets the connection as soon as a chunk of the request body arrives |
 * | `sse=N` | 200 `text/event-stream`: N events `data: {"n":i}` (i from 0), `sse-gap` ms apart (default 50), then ends |
 * | `download=N` | 200 `application/octet-stream`, N bytes of {@link downloadPattern}, chunked, written as the client reads |
 * | `usage=N` | the default answer with `usage: { total_tokens: N }` (N a number when it reads as one, else the text) |
 * | `usage-header=N` | an `x-usage-total-tokens: N` response header, on any answer |
 *
 * Every answer but `reset=mid-upload` comes once the request body has been read whole (so that
 * the default answer can tell its size and hash); `delay` counts from there. A directive it does
 * not know is answered 400 `{ "error": "x-test-upstream: …" }`. The body is hashed as it streams
 * and never kept (but for its first 256 bytes), so a 50 MB upload costs the upstream no memory.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_UPSTREAM_HEADER = 'x-test-upstream';
export const USAGE_RESPONSE_HEADER = 'x-usage-total-tokens';
const FIRST_BYTES = 256;
const DEFAULT_SSE_GAP_MS = 50;

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  /** As Node gives them: lower-case names, most repeated headers joined with ", ". */
  readonly headers: IncomingHttpHeaders;
  /** Names and values in the order received, repeats kept (to see that a header came once). */
  readonly rawHeaders: readonly string[];
  /** Body bytes received so far. */
  bodyBytes: number;
  /** Hex SHA-256 of the body received; '' until the body ends or the connection closes. */
  bodySha256: string;
  /** The first 256 bytes of the body (fewer if it is shorter). */
  firstBytes: Buffer;
  /** The request body ended normally (false while it streams, and for good when the client broke off). */
  completed: boolean;
}

export interface Upstream {
  /** http://127.0.0.1:PORT, no trailing slash. */
  readonly url: string;
  /** Every request since the start or the last reset(), in the order they began. */
  readonly received: ReceivedRequest[];
  /** Resolves with the completed requests once n have been received whole; rejects after timeoutMs (default 5 s). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Forgets what was received. */
  reset(): void;
  /** Closes every connection (hanging ones too) and the port. */
  close(): Promise<void>;
}

type ResetPoint = 'before-headers' | 'mid-body' | 'mid-upload';

interface Directives {
  status: number | null;
  delayMs: number;
  hang: boolean;
  reset: ResetPoint | null;
  sse: number | null;
  sseGapMs: number;
  download: number | null;
  usage: number | string | null;
  usageHeader: string | null;
}

/** The bytes `download=N` sends: byte k is k mod 251 (a prime, so no power-of-two chunking lines up with it). */
export function downloadPattern(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, k) => k % 251));
}

/** One chunk of the pattern, a whole number of 251-byte periods, so that chunks follow one another seamlessly. */
const PATTERN_CHUNK = Buffer.concat(Array.from({ length: 256 }, () => downloadPattern(251)));

/** The hex SHA-256 of `download=N`'s body, computed chunk by chunk as the server sends it. */
export function downloadSha256(length: number): string {
  const hash = createHash('sha256');
  for (let left = length; left > 0; left -= PATTERN_CHUNK.length) hash.update(PATTERN_CHUNK.subarray(0, Math.min(left, PATTERN_CHUNK.length)));
  return hash.digest('hex');
}

export async function startUpstream(): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const check of [...waiters]) check();
  };

  const server = createServer({ requestTimeout: 0 }, (request, response) => {
    const record: ReceivedRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      rawHeaders: request.rawHeaders,
      bodyBytes: 0,
      bodySha256: '',
      firstBytes: Buffer.alloc(0),
      completed: false,
    };
    received.push(record);
    const directives = parseDirectives(request.headers[TEST_UPSTREAM_HEADER]);
    const hash = createHash('sha256');
    let finished = false;
    const finish = (completed: boolean) => {
      if (finished) return;
      finished = true;
      record.bodySha256 = hash.digest('hex');
      record.completed = completed;
      if (completed) notify();
    };

    request.on('error', () => {});
    response.on('error', () => {});
    request.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      hash.update(chunk);
      if (record.firstBytes.length < FIRST_BYTES) record.firstBytes = Buffer.concat([record.firstBytes, chunk.subarray(0, FIRST_BYTES - record.firstBytes.length)]);
      if (typeof directives !== 'string' && directives.reset === 'mid-upload' && !request.socket.destroyed) request.socket.resetAndDestroy();
    });
    request.on('close', () => finish(false));
    request.on('end', () => {
      finish(true);
      answer(response, record, directives);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const done = received.filter((r) => r.completed);
          if (done.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(done);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const done = received.filter((r) => r.completed).length;
          reject(new Error(`test upstream: ${done} of ${n} requests received whole within ${timeoutMs} ms (${received.length} begun)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    reset() {
      received.splice(0);
    },
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function answer(response: ServerResponse, record: ReceivedRequest, directives: Directives | string): void {
  if (typeof directives === 'string') return sendJson(response, 400, { error: `${TEST_UPSTREAM_HEADER}: ${directives}` }, null);
  if (directives.hang) return;
  // Timers end with the response: a client that gave up, or close(), leaves nothing pending.
  const timers = new Set<NodeJS.Timeout>();
  response.on('close', () => timers.forEach(clearTimeout));
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const cut = directives.reset === 'mid-body';
  // After part of a body: the connection closes with the body unfinished (short of its length, or no last chunk).
  const breakOff = () => later(20, () => response.socket?.destroy());
  const extra: Record<string, string> = directives.usageHeader === null ? {} : { [USAGE_RESPONSE_HEADER]: directives.usageHeader };

  later(directives.delayMs, () => {
    if (directives.reset === 'before-headers') return void response.socket?.resetAndDestroy();
    if (directives.sse !== null) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...extra });
      response.flushHeaders();
      const count = cut ? Math.ceil(directives.sse / 2) : directives.sse;
      const send = (n: number) => {
        if (n >= count) return void (cut ? breakOff() : response.end());
        response.write(`data: {"n":${n}}\n\n`);
        if (n + 1 < count) later(directives.sseGapMs, () => send(n + 1));
        else send(n + 1);
      };
      return send(0);
    }
    if (directives.download !== null) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', ...extra });
      return pump(response, cut ? Math.floor(directives.download / 2) : directives.download, () => (cut ? breakOff() : response.end()));
    }
    if (directives.status !== null) {
      const empty = directives.status === 204 || directives.status === 304;
      return sendJson(response, directives.status, empty ? null : { error: 'test' }, extra, cut ? breakOff : null);
    }
    const body = { ok: true, method: record.method, path: record.url, received_bytes: record.bodyBytes, body_sha256: record.bodySha256 };
    sendJson(response, 200, directives.usage === null ? body : { ...body, usage: { total_tokens: directives.usage } }, extra, cut ? breakOff : null);
  });
}

/** Sends a JSON answer; with `breakOff`, only the first half of its bytes (under the full content-length), then breakOff(). */
function sendJson(response: ServerResponse, status: number, body: unknown, extra: Record<string, string> | null, breakOff: (() => void) | null = null): void {
  if (body === null) return void response.writeHead(status, extra ?? {}).end();
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...extra });
  if (!breakOff) return void response.end(bytes);
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => breakOff());
}

/** Writes `length` bytes of the pattern as fast as the client reads them, one chunk in memory at a time. */
function pump(response: ServerResponse, length: number, done: () => void): void {
  let left = length;
  const more = () => {
    while (left > 0) {
      if (response.destroyed) return;
      const chunk = PATTERN_CHUNK.subarray(0, Math.min(left, PATTERN_CHUNK.length));
      left -= chunk.length;
      if (!response.write(chunk)) return void response.once('drain', more);
    }
    done();
  };
  more();
}

const WHOLE_NUMBER = /^\d{1,15}$/;

/** The directives of one request, or what is wrong with them. */
function parseDirectives(header: string | string[] | undefined): Directives | string {
  const directives: Directives = { status: null, delayMs: 0, hang: false, reset: null, sse: null, sseGapMs: DEFAULT_SSE_GAP_MS, download: null, usage: null, usageHeader: null };
  const text = Array.isArray(header) ? header.join(';') : (header ?? '');
  for (const item of text.split(';').map((part) => part.trim()).filter((part) => part !== '')) {
    const at = item.indexOf('=');
    const name = at < 0 ? item : item.slice(0, at).trim();
    const value = at < 0 ? null : item.slice(at + 1).trim();
    const whole = value !== null && WHOLE_NUMBER.test(value) ? Number(value) : null;
    switch (name) {
      case 'hang':
        if (value !== null) return 'hang takes no value';
        directives.hang = true;
        break;
      case 'status':
        if (whole === null || whole < 200 || whole > 599) return `status=${value}: a status from 200 to 599`;
        directives.status = whole;
        break;
      case 'delay':
      case 'sse':
      case 'sse-gap':
      case 'download':
        if (whole === null) return `${name}=${value}: a whole number`;
        if (name === 'delay') directives.delayMs = whole;
        else if (name === 'sse') directives.sse = whole;
        else if (name === 'sse-gap') directives.sseGapMs = whole;
        else directives.download = whole;
        break;
      case 'reset':
        if (value !== 'before-headers' && value !== 'mid-body' && value !== 'mid-upload') return `reset=${value}: before-headers, mid-body or mid-upload`;
        directives.reset = value;
        break;
      case 'usage':
        if (value === null) return 'usage needs a value';
        directives.usage = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
        break;
      case 'usage-header':
        if (value === null) return 'usage-header needs a value';
        directives.usageHeader = value;
        break;
      default:
        return `unknown directive ${JSON.stringify(name)}`;
    }
  }
  return directives;
}
