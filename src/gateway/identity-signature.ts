/**
 * Gateway mode (issue 14): the headers that tell the operator's upstream API who made a call that
 * Tollgate authenticated, priced and charged, signed so that the upstream can refuse any call that
 * did not come through Tollgate.
 *
 * The signed string is, lines joined by "\n": `v1`, the method (upper case), the path with its
 * query as sent upstream, the timestamp (Unix seconds), then the organization, namespace, API key
 * id, user and charge id, in that order. The signature header is `v1=<lower-case hex of
 * HMAC-SHA-256(secret, signed string)>`, one space-separated value per secret in force (several
 * while a secret is rotated, the newest first). No value may hold a line break, so the string reads
 * one way only. Pure: node:crypto and nothing else of Tollgate, so that a receiver loads only this.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The upstream's view of one call. An empty string where there is none: no user, a free call (no charge). */
export interface UpstreamIdentity {
  organizationId: string;
  namespaceId: string;
  apiKeyId: string;
  userId: string;
  chargeId: string;
}

/** Every header Tollgate sends upstream starts with this; the gateway strips the caller's own. */
export const IDENTITY_HEADER_PREFIX = 'x-tollgate-';
export const ORGANIZATION_HEADER = 'x-tollgate-organization';
export const NAMESPACE_HEADER = 'x-tollgate-namespace';
export const API_KEY_ID_HEADER = 'x-tollgate-api-key-id';
export const USER_HEADER = 'x-tollgate-user';
export const CHARGE_ID_HEADER = 'x-tollgate-charge-id';
/** Unix seconds when Tollgate signed the call. */
export const TIMESTAMP_HEADER = 'x-tollgate-timestamp';
export const SIGNATURE_HEADER = 'x-tollgate-signature';

/** How far the timestamp may be from the upstream's clock, either way, unless told otherwise. */
export const DEFAULT_IDENTITY_TOLERANCE_SECONDS = 300;
/** The shortest secret taken (characters; its UTF-8 bytes are the HMAC key). */
export const MIN_IDENTITY_SECRET_LENGTH = 32;

const VERSION = 'v1';
/** The identity's fields and their headers, in the order the signed string holds them. */
const FIELDS = [
  ['organizationId', ORGANIZATION_HEADER],
  ['namespaceId', NAMESPACE_HEADER],
  ['apiKeyId', API_KEY_ID_HEADER],
  ['userId', USER_HEADER],
  ['chargeId', CHARGE_ID_HEADER],
] as const satisfies readonly (readonly [keyof UpstreamIdentity, string])[];

const SIGNATURE_VALUE = /^v1=[0-9a-f]{64}$/;
const TIMESTAMP_VALUE = /^\d{1,15}$/;
/**
 * What an identity value may hold: printable ASCII, no space at either end. Anything else would not
 * reach the upstream as it was signed (HTTP parsers trim values, decode bytes above 0x7e as Latin-1).
 */
const HEADER_SAFE_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
/** A method token and a request target: visible ASCII, no space. */
const METHOD_VALUE = /^[A-Za-z]+$/;
const PATH_VALUE = /^[\x21-\x7e]+$/;

export type IdentityHeaders = Record<string, string>;

export interface SignIdentityInput {
  readonly method: string;
  /** The path with its query, exactly as sent upstream. */
  readonly path: string;
  readonly timestampSec: number;
  readonly identity: UpstreamIdentity;
}

/**
 * The seven headers of one forwarded call, signed with every secret given (the newest first while a
 * secret is rotated). Throws a TypeError on a secret shorter than 32 characters, no secret, or a
 * method, path, timestamp or identity value that could not reach the upstream unchanged.
 */
export function signIdentity(secrets: readonly string[], input: SignIdentityInput): IdentityHeaders {
  const problem = secretsProblem(secrets);
  if (problem) throw new TypeError(`Identity signing: ${problem}.`);
  if (!METHOD_VALUE.test(input.method)) throw new TypeError('Identity signing: the method is letters only.');
  if (!PATH_VALUE.test(input.path)) throw new TypeError('Identity signing: the path is printable ASCII without spaces.');
  if (!Number.isSafeInteger(input.timestampSec) || input.timestampSec < 0 || !TIMESTAMP_VALUE.test(String(input.timestampSec))) {
    throw new TypeError('Identity signing: the timestamp is whole Unix seconds.');
  }
  const headers: IdentityHeaders = {};
  for (const [field, header] of FIELDS) {
    const value = input.identity[field];
    if (typeof value !== 'string' || !HEADER_SAFE_VALUE.test(value)) {
      throw new TypeError(`Identity signing: ${field} is printable ASCII with no space at either end.`);
    }
    headers[header] = value;
  }
  const timestamp = String(input.timestampSec);
  headers[TIMESTAMP_HEADER] = timestamp;
  const signed = signedString(input.method, input.path, timestamp, FIELDS.map(([field]) => input.identity[field]));
  headers[SIGNATURE_HEADER] = secrets.map((secret) => `${VERSION}=${mac(secret, signed)}`).join(' ');
  return headers;
}

/** Request headers as Node gives them (lower-case names, a repeated header as an array), or in any casing. */
export type IdentityHeaderSource = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyIdentityRequest {
  readonly method: string;
  /** The request target as received: path and query, not decoded. */
  readonly path: string;
  readonly headers: IdentityHeaderSource;
}

export interface VerifyIdentityOptions {
  /** The upstream's clock, Unix seconds; the system clock when not given. */
  readonly nowSec?: number;
  /** Default 300. */
  readonly toleranceSec?: number;
}

export type VerifiedIdentity = { readonly ok: true; readonly identity: UpstreamIdentity; readonly timestampSec: number };
export type IdentityRefusal = { readonly ok: false; readonly reason: string };

/**
 * For the upstream: whether a call came through Tollgate. Passes when each identity header is there
 * once, the timestamp is within the tolerance of the clock (either way: an old one is a replay, a
 * new one a wrong clock), and one `v1=` value of the signature header matches the HMAC under one of
 * the secrets, compared in constant time. Anything else is refused with a short reason.
 */
export function verifyIdentity(
  secrets: readonly string[],
  request: VerifyIdentityRequest,
  options: VerifyIdentityOptions = {},
): VerifiedIdentity | IdentityRefusal {
  const problem = secretsProblem(secrets);
  if (problem) return refuse(problem);

  const read = new Map<string, string>();
  for (const name of [...FIELDS.map(([, header]) => header), TIMESTAMP_HEADER, SIGNATURE_HEADER]) {
    const value = headerValue(request.headers, name);
    if (value.problem) return refuse(`${value.problem} header ${name}`);
    read.set(name, value.text);
  }

  const timestamp = read.get(TIMESTAMP_HEADER)!;
  if (!TIMESTAMP_VALUE.test(timestamp)) return refuse(`malformed ${TIMESTAMP_HEADER}`);
  const timestampSec = Number(timestamp);
  const nowSec = options.nowSec ?? Math.floor(Date.now() / 1000);
  const toleranceSec = options.toleranceSec ?? DEFAULT_IDENTITY_TOLERANCE_SECONDS;
  if (nowSec - timestampSec > toleranceSec) return refuse(`timestamp older than ${toleranceSec} s`);
  if (timestampSec - nowSec > toleranceSec) return refuse(`timestamp more than ${toleranceSec} s in the future`);

  const offered = read.get(SIGNATURE_HEADER)!.split(' ');
  if (!offered.every((value) => SIGNATURE_VALUE.test(value))) return refuse(`malformed ${SIGNATURE_HEADER}`);

  const values = FIELDS.map(([, header]) => read.get(header)!);
  const signed = signedString(request.method, request.path, timestamp, values);
  const expected = secrets.map((secret) => Buffer.from(`${VERSION}=${mac(secret, signed)}`));
  // Every pair compared, no early exit: the time taken does not tell which value came close.
  let matched = false;
  for (const value of offered) {
    const candidate = Buffer.from(value);
    for (const signature of expected) matched = timingSafeEqual(candidate, signature) || matched;
  }
  if (!matched) return refuse('signature does not match');

  const identity = Object.fromEntries(FIELDS.map(([field], index) => [field, values[index]!])) as unknown as UpstreamIdentity;
  return { ok: true, identity, timestampSec };
}

function signedString(method: string, path: string, timestamp: string, values: readonly string[]): string {
  return [VERSION, method.toUpperCase(), path, timestamp, ...values].join('\n');
}

function mac(secret: string, signed: string): string {
  return createHmac('sha256', secret).update(signed).digest('hex');
}

function secretsProblem(secrets: readonly string[]): string | null {
  if (!Array.isArray(secrets) || secrets.length === 0) return 'no secret given';
  if (!secrets.every((secret) => typeof secret === 'string' && secret.length >= MIN_IDENTITY_SECRET_LENGTH)) {
    return `a secret is shorter than ${MIN_IDENTITY_SECRET_LENGTH} characters`;
  }
  return null;
}

/** One header's single value, found in any casing; a header missing, or there more than once, is a problem. */
function headerValue(headers: IdentityHeaderSource, name: string): { text: string; problem?: undefined } | { text?: undefined; problem: 'missing' | 'duplicated' } {
  const found = Object.entries(headers).filter(([key, value]) => value !== undefined && key.toLowerCase() === name);
  const values = found.flatMap(([, value]) => (typeof value === 'string' ? [value] : [...(value as readonly string[])]));
  if (values.length === 0) return { problem: 'missing' };
  if (values.length > 1) return { problem: 'duplicated' };
  return { text: values[0]! };
}

function refuse(reason: string): IdentityRefusal {
  return { ok: false, reason };
}
