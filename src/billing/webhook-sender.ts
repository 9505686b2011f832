/**
 * POSTs one signed webhook. The destination is checked again at delivery, not only when the
 * endpoint was created: the allowed hosts may have changed, and a name that resolved to a public
 * address then may resolve to 127.0.0.1 or 169.254.169.254 now (DNS rebinding). Without a list of
 * allowed hosts, the address the connection actually uses is checked in the socket's lookup, so no
 * second resolution can differ from the one checked. Redirects are not followed.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { retryAfterMs } from './meter-delivery.js';
import { isInternalAddress, webhookUrlProblem } from './webhook-destinations.js';
import type { WebhookHeaders } from './webhook-signature.js';

export type WebhookSend =
  | { readonly outcome: 'delivered'; readonly status: number }
  /** Worth trying again: no answer, or an answer other than 2xx. */
  | { readonly outcome: 'retryable'; readonly status: number | null; readonly error: string; readonly retryAfterMs: number | null }
  /** Never deliverable as it stands (the destination is not allowed): a dead letter. */
  | { readonly outcome: 'refused'; readonly error: string };

export interface WebhookSenderOptions {
  readonly allowedHosts: readonly string[] | null;
  readonly timeoutMs?: number;
  /** Name resolution (tests point names at loopback); dns.lookup when absent. */
  readonly lookup?: LookupFunction;
}

const ERROR_BODY_BYTES = 512;
const USER_AGENT = 'Tollgate-Webhooks/1';

export function createWebhookSender(options: WebhookSenderOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseLookup: LookupFunction = options.lookup ?? (dnsLookup as unknown as LookupFunction);
  // With allowed hosts the operator chose the destinations; without, no connection may reach an internal address.
  const lookup: LookupFunction | undefined = options.allowedHosts ? options.lookup : (hostname, lookupOptions, callback) => checkedLookup(baseLookup, hostname, lookupOptions, callback);

  return {
    send(url: string, headers: WebhookHeaders, body: string): Promise<WebhookSend> {
      const problem = webhookUrlProblem(url, options.allowedHosts);
      if (problem) return Promise.resolve({ outcome: 'refused', error: `destination not allowed: ${problem}` });
      const target = new URL(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<WebhookSend>((resolve) => {
        const req = request(
          target,
          {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT },
            timeout: timeoutMs,
            ...(lookup ? { lookup } : {}),
          },
          (res) => answer(res, resolve),
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', (error) => resolve({ outcome: 'retryable', status: null, error: error.message, retryAfterMs: null }));
        req.end(body);
      });
    },
  };
}

function answer(res: IncomingMessage, resolve: (result: WebhookSend) => void): void {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    res.resume();
    resolve({ outcome: 'delivered', status });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    if (size < ERROR_BODY_BYTES) chunks.push(chunk);
    size += chunk.length;
    if (size >= ERROR_BODY_BYTES) res.destroy();
  });
  const done = () => {
    const text = Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
    const header = res.headers['retry-after'];
    resolve({ outcome: 'retryable', status, error: `HTTP ${status}${text ? `: ${text}` : ''}`, retryAfterMs: retryAfterMs(Array.isArray(header) ? header[0] : header, Date.now()) });
  };
  res.on('end', done);
  res.on('close', done);
}

function checkedLookup(base: LookupFunction, hostname: string, options: Parameters<LookupFunction>[1], callback: Parameters<LookupFunction>[2]): void {
  base(hostname, options, (error, address, family) => {
    if (error) return callback(error, address, family);
    const addresses: LookupAddress[] = Array.isArray(address) ? address : [{ address: address as string, family: family ?? 4 }];
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) return callback(Object.assign(new Error(`${hostname} resolves to ${internal.address}, an address of this machine or a private network`), { code: 'EINTERNAL' }), address, family);
    callback(null, address, family);
  });
}
