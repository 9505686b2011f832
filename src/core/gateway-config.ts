import { Reader } from './config-reader.js';
import { isRecord, type Problems } from './validation.js';

/** Where gateway routes go, how long they may take, and what a route with no entry gets (issue 14). */
export interface GatewayConfig {
  /** The upstream every forwarded route goes to; null (and no `upstreams`): no gateway, Tollgate hosts its own API only. */
  readonly upstream: string | null;
  /** Upstreams per path prefix, the longest matching prefix first (`/v1/ai` to a model server, say). */
  readonly upstreams: readonly { readonly prefix: string; readonly url: string }[];
  /**
   * Path prefixes Tollgate serves itself although an upstream is set (its own memory API:
   * `/v1/memory`, `/v1/feedback`): host memory, forward the rest. Tollgate's own routes (usage,
   * namespaces, webhooks, spending ceiling) are always its own.
   */
  readonly hosted: readonly string[];
  /** A route with no entry in the routes table: refused (404 UNKNOWN_OPERATION) or forwarded unmetered. Never silently free by default. */
  readonly unknownRoutes: 'refuse' | 'pass';
  /** HMAC secrets of the identity headers, newest first (several while rotating); the upstream holds them to verify. */
  readonly signingSecrets: readonly string[];
  readonly connectTimeoutMs: number;
  /** From the request sent to the upstream's response headers: past it, 504 and the charge refunded. */
  readonly headersTimeoutMs: number;
  /** The longest silence between two chunks of a body (an event stream's keep-alives must come sooner). */
  readonly bodyTimeoutMs: number;
  /** The largest request body forwarded (413 past it; counted while streaming, not buffered). */
  readonly maxUploadBytes: number;
  /** Keep-alive connections per upstream. */
  readonly connections: number;
}

export const DEFAULT_GATEWAY: GatewayConfig = Object.freeze({
  upstream: null,
  upstreams: [],
  hosted: [],
  unknownRoutes: 'refuse',
  signingSecrets: [],
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  maxUploadBytes: 100 * 1024 * 1024,
  connections: 64,
});

const MIN_SECRET_CHARACTERS = 32;

/** Whether any route is forwarded. */
export const gatewayEnabled = (gateway: GatewayConfig): boolean => gateway.upstream !== null || gateway.upstreams.length > 0;

export function parseGateway(input: unknown, problems: Problems): GatewayConfig {
  const g = new Reader(isRecord(input) ? input : {}, problems, 'gateway');
  const source = isRecord(input) ? input : {};
  const upstream = g.optionalString('upstream');
  if (upstream !== null) checkUrl('gateway.upstream', upstream, problems);
  const upstreams = readUpstreams(source.upstreams, problems);
  const hosted = readList(source.hosted, 'gateway.hosted', problems);
  for (const prefix of hosted) if (!prefix.startsWith('/v1/')) problems.push(`gateway.hosted: a path prefix under /v1/, got ${JSON.stringify(prefix)}`);
  const signingSecrets = readList(source.signingSecrets ?? source.signingSecret, 'gateway.signingSecrets', problems);
  const config: GatewayConfig = {
    upstream,
    upstreams,
    hosted,
    unknownRoutes: g.oneOf('unknownRoutes', ['refuse', 'pass'] as const, DEFAULT_GATEWAY.unknownRoutes),
    signingSecrets,
    connectTimeoutMs: g.integer('connectTimeoutMs', DEFAULT_GATEWAY.connectTimeoutMs, 100, 600_000),
    headersTimeoutMs: g.integer('headersTimeoutMs', DEFAULT_GATEWAY.headersTimeoutMs, 100, 3_600_000),
    bodyTimeoutMs: g.integer('bodyTimeoutMs', DEFAULT_GATEWAY.bodyTimeoutMs, 100, 3_600_000),
    maxUploadBytes: g.integer('maxUploadBytes', DEFAULT_GATEWAY.maxUploadBytes, 1, 10 * 1024 ** 3),
    connections: g.integer('connections', DEFAULT_GATEWAY.connections, 1, 10_000),
  };
  if (gatewayEnabled(config)) {
    if (signingSecrets.length === 0) {
      problems.push(
        `gateway.signingSecrets: required with an upstream (TOLLGATE_GATEWAY_SECRET, at least ${MIN_SECRET_CHARACTERS} characters); give the same secret to the upstream so that it can verify X-Tollgate-Signature`,
      );
    }
    for (const secret of signingSecrets) {
      if (secret.length < MIN_SECRET_CHARACTERS) problems.push(`gateway.signingSecrets: each secret needs at least ${MIN_SECRET_CHARACTERS} characters, one has ${secret.length}`);
    }
  }
  return config;
}

function checkUrl(path: string, value: string, problems: Problems): void {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    problems.push(`${path}: an http(s) URL without credentials, query or fragment, got ${JSON.stringify(value)}`);
  }
}

/** A list given as YAML/JSON array or as comma-separated text (the form an environment variable takes). */
function readList(value: unknown, path: string, problems: Problems): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (items === null || items.some((item) => typeof item !== 'string')) {
    problems.push(`${path}: a list of text (or comma-separated text), got ${JSON.stringify(value)}`);
    return [];
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item.length > 0);
}

function readUpstreams(value: unknown, problems: Problems): GatewayConfig['upstreams'] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`gateway.upstreams: a list of { prefix, url }, got ${JSON.stringify(value)}`);
    return [];
  }
  const upstreams: { prefix: string; url: string }[] = [];
  value.forEach((entry, i) => {
    const path = `gateway.upstreams[${i}]`;
    if (!isRecord(entry) || typeof entry.prefix !== 'string' || typeof entry.url !== 'string' || !entry.prefix.startsWith('/')) {
      problems.push(`${path}: { prefix: "/v1/…", url: "http(s)://…" }, got ${JSON.stringify(entry)}`);
      return;
    }
    checkUrl(`${path}.url`, entry.url, problems);
    upstreams.push({ prefix: entry.prefix, url: entry.url });
  });
  // Longest prefix first: the first that matches a path is the most specific.
  return upstreams.sort((a, b) => b.prefix.length - a.prefix.length);
}
