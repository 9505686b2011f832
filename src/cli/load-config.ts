import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type Config } from '../core/config.js';
import { TollgateError } from '../core/errors.js';

export const DEFAULT_PLANS_PATH = fileURLToPath(new URL('../../config/plans.yaml', import.meta.url));

export interface LoadConfigOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, in the shape of the config file; they win over everything. */
  readonly overrides?: Record<string, unknown>;
  /** A config file (YAML or JSON); TOLLGATE_CONFIG otherwise. */
  readonly configPath?: string;
}

/**
 * The only place that reads configuration from the outside world: defaults, then the config file,
 * then TOLLGATE_* (and PORT, DATABASE_URL, REDIS_URL) variables, then flags; then parseConfig
 * validates the whole and freezes it.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const configPath = options.configPath ?? env.TOLLGATE_CONFIG;
  const file = configPath ? readStructured(configPath) : {};
  const merged = deepMerge(deepMerge(file, fromEnv(env)), options.overrides ?? {});
  const store = (merged.store ?? {}) as Record<string, unknown>;
  const plansPath = (merged.plansPath as string | undefined) ?? DEFAULT_PLANS_PATH;
  delete merged.plansPath;
  merged.plans ??= readStructured(plansPath);
  // Where the secret came from is kept: a file of this machine does not reach the other servers of a shared store.
  const secretFile = merged.keySecret === undefined ? secretFilePath(String(store.sqlitePath ?? './data/tollgate.db'), env) : null;
  merged.keySecretFile = secretFile;
  if (secretFile !== null) merged.keySecret = readOrCreateSecret(secretFile);
  return parseConfig(merged);
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => {
    if (value === undefined || value === '') return;
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  };
  const number = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : v);
  const boolean = (v: string | undefined) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v);
  set('port', number(env.PORT));
  set('host', env.HOST);
  set('trustProxy', env.TOLLGATE_TRUST_PROXY);
  set('webhookAllowedHosts', env.TOLLGATE_WEBHOOK_ALLOWED_HOSTS);
  set('http.requestTimeoutMs', number(env.TOLLGATE_REQUEST_TIMEOUT_MS));
  set('http.headersTimeoutMs', number(env.TOLLGATE_HEADERS_TIMEOUT_MS));
  set('http.keepAliveTimeoutMs', number(env.TOLLGATE_KEEPALIVE_TIMEOUT_MS));
  set('http.connectionTimeoutMs', number(env.TOLLGATE_CONNECTION_TIMEOUT_MS));
  set('authThrottle.windowMs', number(env.TOLLGATE_AUTH_THROTTLE_WINDOW_MS));
  set('authThrottle.maxFailuresPerClient', number(env.TOLLGATE_AUTH_FAILURES_PER_CLIENT));
  set('authThrottle.maxFailuresPerKey', number(env.TOLLGATE_AUTH_FAILURES_PER_KEY));
  set('authThrottle.maxTracked', number(env.TOLLGATE_AUTH_THROTTLE_TRACKED));
  set('managementCallsPerMinute', number(env.TOLLGATE_MANAGEMENT_CALLS_PER_MINUTE));
  set('store.kind', env.TOLLGATE_STORE);
  set('store.sqlitePath', env.TOLLGATE_DATA);
  set('store.databaseUrl', env.DATABASE_URL);
  set('store.postgresSchema', env.TOLLGATE_PG_SCHEMA);
  set('store.redisUrl', env.REDIS_URL);
  set('store.redisKeyPrefix', env.TOLLGATE_REDIS_PREFIX);
  set('store.parse.serverUrl', env.PARSE_SERVER_URL);
  set('store.parse.appId', env.PARSE_APP_ID);
  set('store.parse.masterKey', env.PARSE_MASTER_KEY);
  set('store.parse.base', env.TOLLGATE_PARSE_BASE);
  set('adminKey', env.TOLLGATE_ADMIN_KEY);
  set('keySecret', env.TOLLGATE_KEY_SECRET);
  set('metering.failOpen', boolean(env.TOLLGATE_FAIL_OPEN));
  set('metering.events.enabled', boolean(env.TOLLGATE_EVENTS));
  set('plansPath', env.TOLLGATE_PLANS);
  set('billing.stripeSecretKey', env.TOLLGATE_STRIPE_SECRET_KEY);
  set('billing.stripeApiBase', env.TOLLGATE_STRIPE_API_BASE);
  set('billing.stripeApi', env.TOLLGATE_STRIPE_API);
  set('billing.dispatch', boolean(env.TOLLGATE_OUTBOX_DISPATCH));
  set('billing.leaseMs', number(env.TOLLGATE_OUTBOX_LEASE_MS));
  set('billing.retryBaseMs', number(env.TOLLGATE_OUTBOX_RETRY_BASE_MS));
  set('metering.meterAggregation', env.TOLLGATE_METER_AGGREGATION);
  set('metering.enforcement', env.TOLLGATE_ENFORCEMENT);
  set('gateway.upstream', env.TOLLGATE_UPSTREAM);
  set('gateway.signingSecrets', env.TOLLGATE_GATEWAY_SECRET);
  set('gateway.hosted', env.TOLLGATE_GATEWAY_HOSTED);
  set('gateway.unknownRoutes', env.TOLLGATE_GATEWAY_UNKNOWN_ROUTES);
  set('gateway.headersTimeoutMs', number(env.TOLLGATE_GATEWAY_TIMEOUT_MS));
  return out;
}

/**
 * Without TOLLGATE_KEY_SECRET, the secret lives in a file beside the database (mode 0600), made on
 * first use. It is kept out of the database on purpose: a copy of the database alone must not be
 * enough to test guesses against the key hashes.
 */
function readOrCreateSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}

function secretFilePath(sqlitePath: string, env: NodeJS.ProcessEnv): string {
  return resolve(env.TOLLGATE_SECRET_FILE ?? `${dirname(sqlitePath === ':memory:' ? './data/x' : sqlitePath)}/tollgate.secret`);
}

function readStructured(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TollgateError('CONFIG_INVALID', { message: `Cannot read ${path}: ${(error as Error).message}`, cause: error });
  }
  try {
    return (parseYaml(text) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new TollgateError('CONFIG_INVALID', { message: `${path} is not valid YAML: ${(error as Error).message}`, cause: error });
  }
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
