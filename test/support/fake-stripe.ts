/**
 * A strict fake of Stripe's meter event endpoints, served over real HTTP on 127.0.0.1, so that the
 * SDK is exercised exactly as against Stripe. It checks what Stripe documents and answers errors in
 * Stripe's shape (`{ error: { type, code?, param?, message } }`, a `request-id` header):
 *
 * - v1 `POST /v1/billing/meter_events`: secret key (Bearer, or Basic with the key as user name);
 *   form encoding; no unknown parameter; `event_name`, `payload[stripe_customer_id]` and
 *   `payload[value]` present; value a whole number; timestamp within the past 35 days and at most
 *   5 minutes ahead; an identifier seen within 24 hours refused with 400 "An event already exists
 *   with identifier …" and `stripe-should-retry: false`, as Stripe answers.
 * - v2 `POST /v2/billing/meter_event_session` (secret key) gives a token valid 15 minutes;
 *   `POST /v2/billing/meter_event_stream` takes it, JSON, 1 to 100 events. The stream checks the
 *   request's shape at once and each event after acceptance, as Stripe does: a repeated identifier,
 *   a timestamp out of range or a bad value is dropped into `errorReports` while the answer is 200.
 *
 * Accepted events are kept in `events` for assertions; `failNext` makes the next requests answer 429
 * (with Retry-After) or 5xx. The clock it judges timestamps and tokens by can be handed in.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/core/ports.js';

const DAY_MS = 86_400_000;
const PAST_LIMIT_MS = 35 * DAY_MS;
const FUTURE_LIMIT_MS = 5 * 60_000;
const IDENTIFIER_WINDOW_MS = DAY_MS;
const SESSION_MS = 15 * 60_000;
const MAX_STREAM_EVENTS = 100;
const MAX_NAME_LENGTH = 100;

export interface AcceptedMeterEvent {
  readonly via: 'v1' | 'v2';
  readonly eventName: string;
  readonly identifier: string;
  readonly timestampSeconds: number;
  readonly customerId: string;
  readonly value: number;
}

export interface ErrorReport {
  readonly identifier: string | null;
  readonly code: string;
  readonly message: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface FakeStripe {
  readonly baseUrl: string;
  readonly secretKey: string;
  readonly events: readonly AcceptedMeterEvent[];
  readonly errorReports: readonly ErrorReport[];
  readonly requests: readonly RecordedRequest[];
  /** The next `count` requests answer `status` (429 with Retry-After when given), whatever they are. */
  failNext(count: number, answer: { readonly status: 429 | 500 | 502 | 503; readonly retryAfterSeconds?: number }): void;
  /** While down, every request answers 503 (an outage), until set back. */
  setDown(down: boolean): void;
  /** The sum of accepted values for one customer and event name. */
  sum(customerId: string, eventName: string): number;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

class StripeFailure extends Error {
  constructor(readonly answer: Answer) {
    super(`Stripe fake answers ${answer.status}`);
  }
}

export async function startFakeStripe(options: { readonly secretKey?: string; readonly clock?: Clock; readonly meterEventNames?: readonly string[] } = {}): Promise<FakeStripe> {
  const clock = options.clock ?? { now: () => Date.now() };
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
  const events: AcceptedMeterEvent[] = [];
  const errorReports: ErrorReport[] = [];
  const requests: RecordedRequest[] = [];
  const seenIdentifiers = new Map<string, number>();
  const sessions = new Map<string, number>();
  const failures: { status: number; retryAfterSeconds?: number }[] = [];
  let down = false;

  function claimIdentifier(identifier: string): boolean {
    const seenAt = seenIdentifiers.get(identifier);
    if (seenAt !== undefined && clock.now() - seenAt < IDENTIFIER_WINDOW_MS) return false;
    seenIdentifiers.set(identifier, clock.now());
    return true;
  }

  function route(request: IncomingMessage, body: string): Answer {
    const failure = down ? { status: 503 } : failures.shift();
    if (failure) return injected(failure);
    const path = (request.url ?? '').split('?')[0]!;
    if (request.method === 'GET' && path === '/v1/billing/meters') return listMeters(request);
    const summaries = /^\/v1\/billing\/meters\/([^/]+)\/event_summaries$/.exec(path);
    if (request.method === 'GET' && summaries) return eventSummaries(request, summaries[1]!);
    if (request.method !== 'POST') throw new StripeFailure(error(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${path}).`));
    if (path === '/v1/billing/meter_events') return createMeterEvent(request, body);
    if (path === '/v2/billing/meter_event_session') return createSession(request);
    if (path === '/v2/billing/meter_event_stream') return streamEvents(request, body);
    throw new StripeFailure(error(404, 'invalid_request_error', `Unrecognized request URL (POST: ${path}).`));
  }

  function createMeterEvent(request: IncomingMessage, body: string): Answer {
    requireSecretKey(request, secretKey);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new StripeFailure(error(400, 'invalid_request_error', `Invalid request: unsupported Content-Type ${contentType || '(none)'}; send application/x-www-form-urlencoded.`));
    }
    const params = new URLSearchParams(body);
    for (const key of new Set(params.keys())) {
      if (!['event_name', 'identifier', 'timestamp'].includes(key) && !/^payload\[[^\]]+\]$/.test(key) && !/^expand\[\d*\]$/.test(key)) {
        throw new StripeFailure(error(400, 'invalid_request_error', `Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key }));
      }
    }
    const eventName = required(params, 'event_name');
    const customerId = required(params, 'payload[stripe_customer_id]');
    const valueText = required(params, 'payload[value]');
    if (eventName.length > MAX_NAME_LENGTH) throw invalidParam('event_name', `event_name is longer than ${MAX_NAME_LENGTH} characters.`);
    if (!/^-?\d+$/.test(valueText)) throw invalidParam('payload[value]', 'The meter event value must be a whole number.');
    const timestampText = params.get('timestamp');
    const timestampSeconds = timestampText === null ? Math.floor(clock.now() / 1000) : Number(timestampText);
    if (!Number.isInteger(timestampSeconds)) throw invalidParam('timestamp', 'Invalid integer: timestamp.');
    const window = timestampProblem(timestampSeconds * 1000, clock.now());
    if (window) throw invalidParam('timestamp', window);
    const identifier = params.get('identifier') ?? `fake_${randomBytes(8).toString('hex')}`;
    if (identifier.length > MAX_NAME_LENGTH) throw invalidParam('identifier', `identifier is longer than ${MAX_NAME_LENGTH} characters.`);
    if (!claimIdentifier(identifier)) {
      throw new StripeFailure({ ...error(400, 'invalid_request_error', `An event already exists with identifier ${identifier}.`), headers: { 'stripe-should-retry': 'false' } });
    }
    events.push({ via: 'v1', eventName, identifier, timestampSeconds, customerId, value: Number(valueText) });
    const payload = Object.fromEntries([...params].filter(([key]) => key.startsWith('payload[')).map(([key, value]) => [key.slice(8, -1), value]));
    return {
      status: 200,
      body: { object: 'billing.meter_event', created: Math.floor(clock.now() / 1000), event_name: eventName, identifier, livemode: false, payload, timestamp: timestampSeconds },
    };
  }

  /** The meters the account has: one per event name Tollgate sends (tollgate_mini, tollgate_premium). */
  const meters = (options.meterEventNames ?? ['tollgate_mini', 'tollgate_premium']).map((eventName, i) => ({ id: `mtr_fake_${i}_${eventName}`, eventName }));

  function listMeters(request: IncomingMessage): Answer {
    requireSecretKey(request, secretKey);
    return {
      status: 200,
      body: {
        object: 'list',
        url: '/v1/billing/meters',
        has_more: false,
        data: meters.map((m) => ({ id: m.id, object: 'billing.meter', event_name: m.eventName, status: 'active', default_aggregation: { formula: 'sum' }, customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' } })),
      },
    };
  }

  /** Stripe's checks: customer, start_time and end_time required, whole seconds, start before end; the sum of the customer's events in [start, end). */
  function eventSummaries(request: IncomingMessage, meterId: string): Answer {
    requireSecretKey(request, secretKey);
    const meter = meters.find((m) => m.id === meterId);
    if (!meter) throw new StripeFailure(error(404, 'invalid_request_error', `No such billing meter: '${meterId}'`, { code: 'resource_missing', param: 'id' }));
    const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
    const customer = query.get('customer');
    if (!customer) throw invalidParam('customer', 'Missing required param: customer.');
    const [start, end] = ['start_time', 'end_time'].map((name) => {
      const text = query.get(name);
      if (text === null) throw invalidParam(name, `Missing required param: ${name}.`);
      if (!/^\d+$/.test(text)) throw invalidParam(name, `Invalid integer: ${text}`);
      return Number(text);
    }) as [number, number];
    if (start >= end) throw invalidParam('start_time', 'start_time must be before end_time.');
    const value = events.filter((e) => e.eventName === meter.eventName && e.customerId === customer && e.timestampSeconds >= start && e.timestampSeconds < end).reduce((sum, e) => sum + e.value, 0);
    return {
      status: 200,
      body: {
        object: 'list',
        url: `/v1/billing/meters/${meterId}/event_summaries`,
        has_more: false,
        data: [{ id: `mtrusg_${randomBytes(6).toString('hex')}`, object: 'billing.meter_event_summary', aggregated_value: value, start_time: start, end_time: end, livemode: false, meter: meterId }],
      },
    };
  }

  function createSession(request: IncomingMessage): Answer {
    requireSecretKey(request, secretKey);
    const token = `fake_mes_${randomBytes(16).toString('hex')}`;
    const createdMs = clock.now();
    sessions.set(token, createdMs + SESSION_MS);
    return {
      status: 200,
      body: {
        id: `mes_${randomBytes(8).toString('hex')}`,
        object: 'v2.billing.meter_event_session',
        authentication_token: token,
        created: new Date(createdMs).toISOString(),
        expires_at: new Date(createdMs + SESSION_MS).toISOString(),
        livemode: false,
      },
    };
  }

  function streamEvents(request: IncomingMessage, body: string): Answer {
    const token = bearerToken(request);
    const expiresAtMs = token === null ? undefined : sessions.get(token);
    if (expiresAtMs === undefined) throw new StripeFailure(error(401, 'invalid_request_error', 'The meter event session token is missing or unknown.'));
    if (clock.now() >= expiresAtMs) {
      throw new StripeFailure(error(401, 'temporary_session_expired', 'The temporary session token has expired.', { code: 'billing_meter_event_session_expired' }));
    }
    if (!request.headers['stripe-version']) throw new StripeFailure(error(400, 'invalid_request_error', 'A Stripe-Version header is required for /v2 requests.'));
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new StripeFailure(error(400, 'invalid_request_error', 'Send /v2 request bodies as application/json.'));
    }
    const parsed = parseJson(body) as { events?: unknown } | null;
    const list = parsed?.events;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_STREAM_EVENTS) {
      throw new StripeFailure(error(400, 'invalid_request_error', `events: a list of 1 to ${MAX_STREAM_EVENTS} meter events.`, { code: 'invalid_fields' }));
    }
    const shaped = list.map((item: unknown, index) => shapeOfStreamEvent(item, index));
    for (const event of shaped) acceptStreamEvent(event);
    return { status: 200, body: {} };
  }

  function acceptStreamEvent(event: StreamEvent): void {
    const report = (code: string, message: string) => errorReports.push({ identifier: event.identifier, code, message });
    const customerId = event.payload.stripe_customer_id;
    const valueText = event.payload.value;
    if (customerId === undefined) return void report('meter_event_no_customer_defined', 'Customer mapping key stripe_customer_id not found in payload.');
    if (valueText === undefined || !/^-?\d+$/.test(valueText)) return void report('meter_event_invalid_value', 'The meter event value must be a whole number.');
    const atMs = event.timestamp === null ? clock.now() : Date.parse(event.timestamp);
    const window = Number.isNaN(atMs) ? 'The timestamp is not an ISO 8601 date-time.' : timestampProblem(atMs, clock.now());
    if (window) return void report('timestamp_out_of_range', window);
    const identifier = event.identifier ?? `fake_${randomBytes(8).toString('hex')}`;
    if (!claimIdentifier(identifier)) return void report('duplicate_identifier', `An event already exists with identifier ${identifier}.`);
    events.push({ via: 'v2', eventName: event.event_name, identifier, timestampSeconds: Math.floor(atMs / 1000), customerId, value: Number(valueText) });
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let answer: Answer;
      try {
        answer = route(request, Buffer.concat(chunks).toString('utf8'));
      } catch (failure) {
        if (!(failure instanceof StripeFailure)) throw failure;
        answer = failure.answer;
      }
      requests.push({ method: request.method ?? '', path: request.url ?? '', status: answer.status });
      reply(response, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    secretKey,
    events,
    errorReports,
    requests,
    failNext(count, answer) {
      for (let i = 0; i < count; i++) failures.push({ ...answer });
    },
    setDown(value) {
      down = value;
    },
    sum: (customerId, eventName) => events.filter((e) => e.customerId === customerId && e.eventName === eventName).reduce((total, e) => total + e.value, 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((failure) => (failure ? reject(failure) : resolve()));
      }),
  };
}

interface StreamEvent {
  readonly event_name: string;
  readonly identifier: string | null;
  readonly timestamp: string | null;
  readonly payload: Readonly<Record<string, string>>;
}

/** The checks the stream makes before accepting a request: each event's fields and their types. */
function shapeOfStreamEvent(item: unknown, index: number): StreamEvent {
  const invalid = (field: string, message: string) =>
    new StripeFailure(error(400, 'invalid_request_error', `events[${index}].${field}: ${message}`, { code: 'invalid_fields' }));
  if (typeof item !== 'object' || item === null) throw invalid('', 'must be an object');
  const event = item as Record<string, unknown>;
  if (typeof event.event_name !== 'string' || event.event_name === '') throw invalid('event_name', 'required');
  if (event.event_name.length > MAX_NAME_LENGTH) throw invalid('event_name', `at most ${MAX_NAME_LENGTH} characters`);
  if (event.identifier !== undefined && (typeof event.identifier !== 'string' || event.identifier.length > MAX_NAME_LENGTH)) throw invalid('identifier', 'a string of at most 100 characters');
  if (event.timestamp !== undefined && typeof event.timestamp !== 'string') throw invalid('timestamp', 'an ISO 8601 date-time string');
  const payload = event.payload;
  if (typeof payload !== 'object' || payload === null || Object.values(payload).some((v) => typeof v !== 'string')) throw invalid('payload', 'required: a map of strings');
  for (const key of Object.keys(event)) {
    if (!['event_name', 'identifier', 'timestamp', 'payload'].includes(key)) throw invalid(key, 'unknown field');
  }
  return {
    event_name: event.event_name,
    identifier: (event.identifier as string | undefined) ?? null,
    timestamp: (event.timestamp as string | undefined) ?? null,
    payload: payload as Record<string, string>,
  };
}

function timestampProblem(atMs: number, nowMs: number): string | null {
  if (atMs < nowMs - PAST_LIMIT_MS) return 'The timestamp must be within the past 35 calendar days.';
  if (atMs > nowMs + FUTURE_LIMIT_MS) return 'The timestamp must not be more than 5 minutes in the future.';
  return null;
}

function requireSecretKey(request: IncomingMessage, secretKey: string): void {
  const header = request.headers.authorization;
  if (!header) {
    throw new StripeFailure(
      error(401, 'invalid_request_error', "You did not provide an API key. Provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."),
    );
  }
  const offered = bearerToken(request) ?? basicUser(header);
  if (offered !== secretKey) {
    const shown = offered ? `${offered.slice(0, 8)}${'*'.repeat(Math.max(0, offered.length - 12))}${offered.slice(-4)}` : '(unreadable)';
    throw new StripeFailure(error(401, 'invalid_request_error', `Invalid API Key provided: ${shown}`));
  }
}

function bearerToken(request: IncomingMessage): string | null {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match ? match[1]! : null;
}

function basicUser(header: string): string | null {
  const match = /^Basic (\S+)$/.exec(header);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':')[0]! : null;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new StripeFailure(error(400, 'invalid_request_error', `Missing required param: ${name}.`, { code: 'parameter_missing', param: name }));
  }
  return value;
}

function invalidParam(param: string, message: string): StripeFailure {
  return new StripeFailure(error(400, 'invalid_request_error', message, { code: 'parameter_invalid', param }));
}

function injected(failure: { status: number; retryAfterSeconds?: number }): Answer {
  const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
  if (failure.status === 429) {
    return { ...error(429, 'invalid_request_error', 'Request rate limit exceeded. Retry after the time given.', { code: 'rate_limit' }), headers };
  }
  return { ...error(failure.status, 'api_error', 'An unknown error occurred.'), headers };
}

function error(status: number, type: string, message: string, extra: { code?: string; param?: string } = {}): Answer {
  return { status, body: { error: { type, message, ...extra } } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function reply(response: ServerResponse, answer: Answer): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'request-id': `req_${randomBytes(7).toString('hex')}`,
    ...answer.headers,
  });
  response.end(body);
}
