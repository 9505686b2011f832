import type { ClientErrorRule, CostRule, OperationOverride } from './catalogue.js';
import { CLIENT_ERROR_RULES, DEFAULT_OPERATIONS } from './catalogue.js';
import { catalogueVersionProblems, type CatalogueVersionConfig } from './catalogue-versions.js';
import { configInvalid, parsePlans, type Plans } from './plans.js';
import { DEFAULT_THRESHOLD_PERCENTS, parseThresholdPercents } from './thresholds.js';
import { ENFORCEMENT_MODES, type Enforcement } from './tenants.js';
import { Reader } from './config-reader.js';
import { parseGateway, type GatewayConfig } from './gateway-config.js';
import { describe, isRecord, type Problems } from './validation.js';

export const STORE_KINDS = ['sqlite', 'postgres', 'redis', 'parse', 'ram'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
export const BASE_STORE_KINDS = ['sqlite', 'postgres', 'redis'] as const;
export type BaseStoreKind = (typeof BASE_STORE_KINDS)[number];

/** Where usage leaves Tollgate (issue 12). */
export interface BillingConfig {
  /** Stripe secret (or restricted) key for meter events; null: meter events wait in the outbox. */
  readonly stripeSecretKey: string | null;
  /** Stripe's API address; null: Stripe's own. A test points it at a fake. */
  readonly stripeApiBase: string | null;
  /** v1 meter events (modest volume) or the v2 meter event stream (high volume). */
  readonly stripeApi: 'v1' | 'stream';
  /** Whether this server process runs an outbox dispatcher (every process may; leases keep them apart). */
  readonly dispatch: boolean;
  /** How long a dispatcher holds what it leased: a crashed one's entries go to another after this. */
  readonly leaseMs: number;
  /** The first retry's backoff step (doubling per attempt, capped): src/billing/outbox-backoff.ts. */
  readonly retryBaseMs: number;
}

export const DEFAULT_BILLING: BillingConfig = Object.freeze({ stripeSecretKey: null, stripeApiBase: null, stripeApi: 'v1', dispatch: true, leaseMs: 60_000, retryBaseMs: 5_000 });

export interface MeteringConfig {
  /** Serve calls uncounted when the usage store cannot be reached (instead of 503). */
  readonly failOpen: boolean;
  /** Give a charge back when the handler fails with a 5xx. */
  readonly refundOnServerError: boolean;
  readonly idempotencyTtlMs: number;
  /** How long an authenticated key and its tenant stay cached (changes also invalidate at once). */
  readonly tenantCacheTtlMs: number;
  readonly rateWindowMs: number;
  /** last_used_at is written at most this often per key. */
  readonly keyTouchIntervalMs: number;
  readonly events: { readonly enabled: boolean; readonly retentionDays: number };
  /** Percent of a limit at which a charge raises usage.threshold (issue 12); a plan may set its own. */
  readonly alertThresholds: readonly number[];
  /** Meter events for metered billing: one per call, or summed per customer, type and minute. */
  readonly meterAggregation: 'per_call' | 'per_minute';
  /** enforce: monthly limits refuse calls; observe: counted, recorded and billed, never refused for them (an organization may say otherwise). */
  readonly enforcement: Enforcement;
}

/** How long the HTTP server waits on a client; each bound closes the connection (408 where one can still be sent). */
export interface HttpConfig {
  /** The whole request, headers and body, from its first byte (Node's server.requestTimeout). */
  readonly requestTimeoutMs: number;
  /** The request's headers, from its first byte (Node's server.headersTimeout); at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection between requests (Node's server.keepAliveTimeout). */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way while a request is open (Fastify's connectionTimeout, Node's server.timeout). */
  readonly connectionTimeoutMs: number;
}

/**
 * Tollgate's clients are services sending at most a 4 MiB batch (the body limit), so:
 * - request 30 s: 4 MiB needs ~140 KB/s to arrive in time; Node's own 300 s lets one slow client hold a socket for 5 minutes.
 * - headers 10 s: headers are a few KB; an honest client sends them at once, a slowloris never finishes (Node's 60 s).
 * - keep-alive 72 s (Fastify's default, kept): behind a load balancer the server's idle timeout must outlast the
 *   balancer's (AWS ALB 60 s, many proxies 60 s), or the balancer reuses a socket the server is closing and answers 502.
 * - connection 60 s: no byte either way for a minute while a request is open (a stalled client, or a handler stuck
 *   that long) ends the socket; Fastify's default is none.
 */
export const DEFAULT_HTTP: HttpConfig = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
  connectionTimeoutMs: 60_000,
});

/** Timeouts are bounds: 0 (Node's "never") is refused, under a second is no timeout for a client, past an hour bounds nothing. */
const HTTP_TIMEOUT_MIN_MS = 1_000;
const HTTP_TIMEOUT_MAX_MS = 3_600_000;

/**
 * Failed authentication (a wrong, unknown, revoked or expired API key or admin key) counted per
 * client address and per key; each count runs for windowMs from its first failure.
 */
export interface AuthThrottleConfig {
  readonly windowMs: number;
  /** Failures a client address (an IPv6 /64) may make in a window before its attempts are refused unchecked; 0: no limit. */
  readonly maxFailuresPerClient: number;
  /** Failures against one key (an API key's prefix, or the admin key) in a window, past which clients that have failed themselves are refused on it; 0: no limit. */
  readonly maxFailuresPerKey: number;
  /** Client addresses, and keys, remembered at most (each); the least recently seen are forgotten first. */
  readonly maxTracked: number;
}

export const DEFAULT_MANAGEMENT_CALLS_PER_MINUTE = 120;

export const DEFAULT_AUTH_THROTTLE: AuthThrottleConfig = Object.freeze({ windowMs: 60_000, maxFailuresPerClient: 20, maxFailuresPerKey: 20, maxTracked: 10_000 });

export interface Config {
  readonly port: number;
  readonly host: string;
  /**
   * The proxies whose X-Forwarded-For names the client (Fastify's trustProxy): addresses or CIDRs,
   * comma-separated, or loopback, linklocal, uniquelocal; null: the socket's peer is the client.
   */
  readonly trustProxy: string | null;
  /**
   * The hosts webhook endpoints may point at (`*.example.com` for its subdomains); null: any public
   * host, never this machine or a private address.
   */
  readonly webhookAllowedHosts: readonly string[] | null;
  readonly http: HttpConfig;
  readonly authThrottle: AuthThrottleConfig;
  /**
   * Calls an organization may make per minute, in this process, to the free management and report
   * routes (/v1/namespace…, /v1/usage), which cost no interactions; 0: no limit.
   */
  readonly managementCallsPerMinute: number;
  readonly billing: BillingConfig;
  /** Gateway mode: the upstream Tollgate meters and forwards to (issue 14). */
  readonly gateway: GatewayConfig;
  readonly store: {
    readonly kind: StoreKind;
    readonly sqlitePath: string;
    readonly databaseUrl: string | null;
    /** The PostgreSQL schema Tollgate's tables live in. */
    readonly postgresSchema: string;
    readonly redisUrl: string | null;
    /** Put before every Redis key, so that several deployments (or tests) can share one Redis. */
    readonly redisKeyPrefix: string;
    /** With the parse store: where Parse Server is, and which store decides quota under it. */
    readonly parse: { readonly serverUrl: string; readonly appId: string; readonly masterKey: string; readonly base: BaseStoreKind } | null;
  };
  /** Secret of the keyed hash API keys are stored under. */
  readonly keySecret: string;
  /** The local file keySecret was read from (or made in) when it was not configured (TOLLGATE_KEY_SECRET, keySecret); null when it was. */
  readonly keySecretFile: string | null;
  readonly adminKey: string | null;
  readonly metering: MeteringConfig;
  /** The overrides of the top-level `operations`; with `catalogue.versions` set, none (each version has its own). */
  readonly operations: Readonly<Record<string, OperationOverride>>;
  /** The catalogue's versions (issue 12); a config with only `operations` has one: version 1, in force since the epoch. */
  readonly catalogue: { readonly versions: readonly CatalogueVersionConfig[] };
  readonly plans: Plans;
  readonly memory: { readonly maxContentBytes: number; readonly maxFieldBytes: number };
}

export const DEFAULT_METERING: MeteringConfig = Object.freeze({
  failOpen: false,
  refundOnServerError: true,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  tenantCacheTtlMs: 30_000,
  rateWindowMs: 60_000,
  keyTouchIntervalMs: 60_000,
  events: Object.freeze({ enabled: true, retentionDays: 30 }),
  alertThresholds: DEFAULT_THRESHOLD_PERCENTS,
  meterAggregation: 'per_minute',
  enforcement: 'enforce',
});

/**
 * Validates a whole configuration (defaults, file, environment and flags already merged by the
 * loader) and returns it frozen. Every problem is reported with its path in one CONFIG_INVALID.
 */
export function parseConfig(input: unknown): Config {
  const problems: Problems = [];
  if (!isRecord(input)) throw configInvalid('config', [`config: must be an object, got ${describe(input)}`]);
  const read = new Reader(input, problems);

  const storeInput = isRecord(input.store) ? input.store : {};
  const store = new Reader(storeInput, problems, 'store');
  const kind = store.oneOf('kind', STORE_KINDS, 'sqlite');
  const databaseUrl = store.optionalString('databaseUrl');
  const redisUrl = store.optionalString('redisUrl');
  if ((kind === 'postgres' || kind === 'redis') && !databaseUrl) problems.push(`store.databaseUrl: required for the ${kind} store (DATABASE_URL)`);
  if (kind === 'redis' && !redisUrl) problems.push('store.redisUrl: required for the redis store (REDIS_URL)');
  const redisKeyPrefix = store.optionalString('redisKeyPrefix') ?? 'tollgate:';
  if (/[{}]/.test(redisKeyPrefix)) problems.push('store.redisKeyPrefix: no braces (they would break Redis Cluster hash tags)');
  let parse: Config['store']['parse'] = null;
  if (isRecord(storeInput.parse)) {
    const p = new Reader(storeInput.parse, problems, 'store.parse');
    parse = { serverUrl: p.string('serverUrl'), appId: p.string('appId'), masterKey: p.string('masterKey'), base: p.oneOf('base', BASE_STORE_KINDS, 'sqlite') };
    if (parse.base !== 'sqlite' && !databaseUrl) problems.push(`store.databaseUrl: required for the parse store's ${parse.base} base (DATABASE_URL)`);
  } else if (kind === 'parse') problems.push('store.parse: required for the parse store (serverUrl, appId, masterKey)');

  const meteringInput = isRecord(input.metering) ? input.metering : {};
  const m = new Reader(meteringInput, problems, 'metering');
  const eventsInput = isRecord(meteringInput.events) ? meteringInput.events : {};
  const e = new Reader(eventsInput, problems, 'metering.events');
  const metering: MeteringConfig = {
    failOpen: m.boolean('failOpen', DEFAULT_METERING.failOpen),
    refundOnServerError: m.boolean('refundOnServerError', DEFAULT_METERING.refundOnServerError),
    idempotencyTtlMs: m.integer('idempotencyTtlMs', DEFAULT_METERING.idempotencyTtlMs, 1000),
    tenantCacheTtlMs: m.integer('tenantCacheTtlMs', DEFAULT_METERING.tenantCacheTtlMs, 0),
    rateWindowMs: m.integer('rateWindowMs', DEFAULT_METERING.rateWindowMs, 1000),
    keyTouchIntervalMs: m.integer('keyTouchIntervalMs', DEFAULT_METERING.keyTouchIntervalMs, 0),
    events: {
      enabled: e.boolean('enabled', DEFAULT_METERING.events.enabled),
      retentionDays: e.integer('retentionDays', DEFAULT_METERING.events.retentionDays, 1),
    },
    alertThresholds: readThresholds(meteringInput.alertThresholds, problems),
    meterAggregation: readAggregation(meteringInput.meterAggregation, problems),
    enforcement: readEnforcement(meteringInput.enforcement, problems),
  };

  const keySecret = read.string('keySecret');
  if (keySecret && keySecret.length < 32) problems.push('keySecret: must be at least 32 characters');
  const adminKey = read.optionalString('adminKey');
  if (adminKey !== null && adminKey.length < 32) problems.push(`TOLLGATE_ADMIN_KEY (adminKey): must be at least 32 characters, got ${adminKey.length}`);

  let plans: Plans | undefined;
  try {
    plans = parsePlans(input.plans, 'plans');
  } catch (error) {
    const details = (error as { details?: { problems?: string[] } }).details;
    problems.push(...(details?.problems ?? [String(error)]));
  }

  const memoryInput = isRecord(input.memory) ? input.memory : {};
  const mem = new Reader(memoryInput, problems, 'memory');
  const http = parseHttp(input.http, problems);
  const authThrottle = parseAuthThrottle(input.authThrottle, problems);

  const config: Config = {
    port: read.integer('port', 8080, 0, 65535),
    host: read.optionalString('host') ?? '0.0.0.0',
    trustProxy: parseTrustProxy(read.optionalString('trustProxy'), problems),
    webhookAllowedHosts: parseHostList(read.optionalString('webhookAllowedHosts'), problems),
    http,
    authThrottle,
    managementCallsPerMinute: read.integer('managementCallsPerMinute', DEFAULT_MANAGEMENT_CALLS_PER_MINUTE, 0, 1_000_000),
    billing: parseBilling(input.billing, problems),
    gateway: parseGateway(input.gateway, problems),
    store: {
      kind,
      sqlitePath: store.optionalString('sqlitePath') ?? './data/tollgate.db',
      databaseUrl,
      postgresSchema: store.optionalString('postgresSchema') ?? 'tollgate',
      redisUrl,
      redisKeyPrefix,
      parse,
    },
    keySecret,
    keySecretFile: read.optionalString('keySecretFile'),
    adminKey,
    metering,
    operations: parseOperationOverrides(input.operations, problems),
    catalogue: parseCatalogue(input, problems),
    plans: plans as Plans,
    memory: { maxContentBytes: mem.integer('maxContentBytes', 15_000, 1), maxFieldBytes: mem.integer('maxFieldBytes', 16_384, 1) },
  };
  if (problems.length > 0) throw configInvalid('config', problems);
  return deepFreeze(config);
}

function parseHttp(input: unknown, problems: Problems): HttpConfig {
  if (input !== undefined && !isRecord(input)) problems.push(`http: must be an object, got ${describe(input)}`);
  const h = new Reader(isRecord(input) ? input : {}, problems, 'http');
  const timeout = (field: keyof HttpConfig) => h.integer(field, DEFAULT_HTTP[field], HTTP_TIMEOUT_MIN_MS, HTTP_TIMEOUT_MAX_MS);
  const http: HttpConfig = {
    requestTimeoutMs: timeout('requestTimeoutMs'),
    headersTimeoutMs: timeout('headersTimeoutMs'),
    keepAliveTimeoutMs: timeout('keepAliveTimeoutMs'),
    connectionTimeoutMs: timeout('connectionTimeoutMs'),
  };
  // Node refuses a server whose headers may take longer than the whole request.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    problems.push(`http.headersTimeoutMs: must not exceed http.requestTimeoutMs (${http.requestTimeoutMs}), got ${http.headersTimeoutMs}`);
  }
  return http;
}

/** A proxy as Fastify's trustProxy (proxy-addr) takes one: an address or CIDR, or a named range. */
const PROXY_ADDRESS = /^(?:loopback|linklocal|uniquelocal|\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?|[\dA-Fa-f.]*:[\dA-Fa-f.:]*(?:\/\d{1,3})?)$/;

/** A list of proxies only: Fastify's `true` would take the first X-Forwarded-For entry, which the client writes. */
function parseTrustProxy(value: string | null, problems: Problems): string | null {
  if (value === null || value.split(',').every((part) => PROXY_ADDRESS.test(part.trim()))) return value;
  problems.push(`trustProxy: must list the proxies' addresses or CIDRs, comma-separated (or loopback, linklocal, uniquelocal), got ${describe(value)}`);
  return null;
}

/** A host name or IPv4 address (possibly `*.` for subdomains), or an IPv6 address. */
const HOST_ENTRY = /^((\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?|[0-9a-f.]*:[0-9a-f:.]*)$/;

/** A comma-separated list of host names or addresses, each possibly `*.` for subdomains. */
function parseHostList(value: string | null, problems: Problems): readonly string[] | null {
  if (value === null) return null;
  const hosts = value.split(',').map((part) => part.trim().toLowerCase());
  const bad = hosts.filter((host) => !HOST_ENTRY.test(host));
  if (bad.length === 0) return hosts;
  problems.push(`webhookAllowedHosts: must list host names or addresses, comma-separated (*.example.com for subdomains), got ${bad.map((b) => describe(b)).join(', ')}`);
  return null;
}

function parseAuthThrottle(input: unknown, problems: Problems): AuthThrottleConfig {
  if (input !== undefined && !isRecord(input)) problems.push(`authThrottle: must be an object, got ${describe(input)}`);
  const t = new Reader(isRecord(input) ? input : {}, problems, 'authThrottle');
  return {
    windowMs: t.integer('windowMs', DEFAULT_AUTH_THROTTLE.windowMs, 1_000, 86_400_000),
    maxFailuresPerClient: t.integer('maxFailuresPerClient', DEFAULT_AUTH_THROTTLE.maxFailuresPerClient, 0, 1_000_000),
    maxFailuresPerKey: t.integer('maxFailuresPerKey', DEFAULT_AUTH_THROTTLE.maxFailuresPerKey, 0, 1_000_000),
    maxTracked: t.integer('maxTracked', DEFAULT_AUTH_THROTTLE.maxTracked, 1, 10_000_000),
  };
}

/**
 * `catalogue: { versions: [{ version, effective_from, operations }] }`; without it, the top-level
 * `operations` as version 1 in force since the epoch (so configs written before versions keep working).
 */
function parseCatalogue(input: Record<string, unknown>, problems: Problems): Config['catalogue'] {
  if (input.catalogue === undefined || input.catalogue === null) {
    return { versions: [{ version: 1, effectiveFromMs: 0, operations: parseOperationOverrides(input.operations, []) }] };
  }
  const catalogue = input.catalogue;
  if (!isRecord(catalogue) || !Array.isArray(catalogue.versions)) {
    problems.push(`catalogue.versions: must be a list of { version, effective_from, operations }, got ${describe(isRecord(catalogue) ? catalogue.versions : catalogue)}`);
    return { versions: [] };
  }
  if (input.operations !== undefined && input.operations !== null) {
    problems.push('operations: not with catalogue.versions; put the overrides in each version (catalogue.versions[].operations)');
  }
  const count = problems.length;
  const versions = catalogue.versions.map((body: unknown, i): CatalogueVersionConfig => {
    const path = `catalogue.versions[${i}]`;
    if (!isRecord(body)) {
      problems.push(`${path}: must be an object with version, effective_from and operations`);
      return { version: 0, effectiveFromMs: 0, operations: {} };
    }
    const version = body.version;
    if (!Number.isInteger(version) || (version as number) < 1) problems.push(`${path}.version: must be a positive whole number, got ${describe(version)}`);
    return { version: version as number, effectiveFromMs: parseInstant(body.effective_from, `${path}.effective_from`, problems), operations: parseOperationOverrides(body.operations, problems, `${path}.operations`) };
  });
  if (problems.length === count) problems.push(...catalogueVersionProblems(versions));
  return { versions };
}

/** An instant with its offset ("2027-01-01T00:00:00Z"); YAML may have made it a Date. */
function parseInstant(value: unknown, path: string, problems: Problems): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isFinite(ms)) return ms;
  problems.push(`${path}: must be an instant with its offset, such as "2027-01-01T00:00:00Z", got ${describe(value)}`);
  return 0;
}

/** `operations: { <name>: { type?: mini|premium, cost?: CostRule } }`. */
export function parseOperationOverrides(input: unknown, problems: Problems, at = 'operations'): Record<string, OperationOverride> {
  if (input === undefined || input === null) return {};
  if (!isRecord(input)) {
    problems.push(`${at}: must be an object, got ${describe(input)}`);
    return {};
  }
  const result: Record<string, OperationOverride> = {};
  for (const [name, body] of Object.entries(input)) {
    const path = `${at}.${name}`;
    if (!isRecord(body)) {
      problems.push(`${path}: must be an object with type and/or cost`);
      continue;
    }
    const override: OperationOverride = {};
    if (body.clientError !== undefined) {
      if (CLIENT_ERROR_RULES.includes(body.clientError as ClientErrorRule)) override.clientError = body.clientError as ClientErrorRule;
      else problems.push(`${path}.clientError: must be "refund" or "charge", got ${describe(body.clientError)}`);
    }
    if (body.holdsContent !== undefined) {
      problems.push(`${path}.holdsContent: no longer a setting; the memory store counts what every write keeps against max_active_memories and max_storage_gb`);
    }
    if (body.type !== undefined) {
      if (body.type === 'mini' || body.type === 'premium') override.type = body.type;
      else problems.push(`${path}.type: must be "mini" or "premium", got ${describe(body.type)}`);
    }
    if (body.cost !== undefined) {
      const cost = parseCostRule(body.cost, `${path}.cost`, problems);
      if (cost) override.cost = cost;
    } else if (!(name in DEFAULT_OPERATIONS)) {
      problems.push(`${path}.cost: a new operation needs a cost`);
    }
    result[name] = override;
  }
  return result;
}

function parseCostRule(input: unknown, path: string, problems: Problems): CostRule | undefined {
  const nonNegative = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (nonNegative(input)) return { kind: 'fixed', cost: input as number };
  if (!isRecord(input)) {
    problems.push(`${path}: must be a whole number or a cost rule object`);
    return undefined;
  }
  const count = problems.length;
  const need = (field: string) => {
    if (!nonNegative(input[field])) problems.push(`${path}.${field}: must be a non-negative whole number, got ${describe(input[field])}`);
    return input[field] as number;
  };
  switch (input.kind) {
    case 'fixed': {
      const cost = need('cost');
      return problems.length === count ? { kind: 'fixed', cost } : undefined;
    }
    case 'per_item': {
      const itemsField = typeof input.itemsField === 'string' && input.itemsField ? input.itemsField : 'items';
      const rule = { kind: 'per_item' as const, costPerItem: need('costPerItem'), minItems: need('minItems'), maxItems: need('maxItems'), itemsField };
      if (problems.length === count && rule.minItems > rule.maxItems) problems.push(`${path}: minItems must not exceed maxItems`);
      return problems.length === count ? rule : undefined;
    }
    case 'features': {
      const base = need('base');
      const features: Record<string, number> = {};
      if (!isRecord(input.features)) problems.push(`${path}.features: must be an object of flag: extra cost`);
      else for (const [flag, extra] of Object.entries(input.features)) {
        if (nonNegative(extra)) features[flag] = extra as number;
        else problems.push(`${path}.features.${flag}: must be a non-negative whole number`);
      }
      return problems.length === count ? { kind: 'features', base, features } : undefined;
    }
    default:
      problems.push(`${path}.kind: must be fixed, per_item or features, got ${describe(input.kind)}`);
      return undefined;
  }
}

/**
 * Freezes every object and list not frozen yet. A primitive, null and undefined count as frozen
 * (Object.isFrozen says so); the plans come frozen from parsePlans, so their Map of tiers is left as it is.
 */
function deepFreeze<T>(value: T): T {
  if (!Object.isFrozen(value)) {
    for (const child of Object.values(value as object)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function readThresholds(input: unknown, problems: string[]): readonly number[] {
  if (input === undefined) return DEFAULT_METERING.alertThresholds;
  try {
    return parseThresholdPercents(input, 'metering.alertThresholds');
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    return DEFAULT_METERING.alertThresholds;
  }
}

function readAggregation(input: unknown, problems: string[]): MeteringConfig['meterAggregation'] {
  if (input === undefined) return DEFAULT_METERING.meterAggregation;
  if (input === 'per_call' || input === 'per_minute') return input;
  problems.push(`metering.meterAggregation: "per_call" or "per_minute", got ${JSON.stringify(input)}`);
  return DEFAULT_METERING.meterAggregation;
}

function parseBilling(input: unknown, problems: string[]): BillingConfig {
  const b = new Reader(isRecord(input) ? input : {}, problems, 'billing');
  const stripeApi = b.optionalString('stripeApi') ?? DEFAULT_BILLING.stripeApi;
  if (stripeApi !== 'v1' && stripeApi !== 'stream') problems.push(`billing.stripeApi: "v1" or "stream", got ${JSON.stringify(stripeApi)}`);
  const stripeApiBase = b.optionalString('stripeApiBase');
  if (stripeApiBase !== null && !/^https?:\/\/[^\s/]+/.test(stripeApiBase)) problems.push(`billing.stripeApiBase: an http(s) URL, got ${JSON.stringify(stripeApiBase)}`);
  const stripeSecretKey = b.optionalString('stripeSecretKey');
  if (stripeSecretKey !== null && !/^(sk|rk)_(test|live)_\S+$/.test(stripeSecretKey)) problems.push('billing.stripeSecretKey: a Stripe secret key (sk_live_…, sk_test_…) or restricted key (rk_…)');
  return {
    stripeSecretKey,
    stripeApiBase,
    stripeApi: stripeApi === 'stream' ? 'stream' : 'v1',
    dispatch: b.boolean('dispatch', DEFAULT_BILLING.dispatch),
    leaseMs: b.integer('leaseMs', DEFAULT_BILLING.leaseMs, 1_000, 3_600_000),
    retryBaseMs: b.integer('retryBaseMs', DEFAULT_BILLING.retryBaseMs, 100, 3_600_000),
  };
}

function readEnforcement(input: unknown, problems: string[]): Enforcement {
  if (input === undefined) return DEFAULT_METERING.enforcement;
  if ((ENFORCEMENT_MODES as readonly unknown[]).includes(input)) return input as Enforcement;
  problems.push(`metering.enforcement: one of ${ENFORCEMENT_MODES.join(', ')}, got ${JSON.stringify(input)}`);
  return DEFAULT_METERING.enforcement;
}
