import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTH_THROTTLE, DEFAULT_HTTP, DEFAULT_METERING, parseConfig, parseOperationOverrides } from '../../src/core/config.js';
import { TollgateError } from '../../src/core/errors.js';
import { LIMIT_FIELDS } from '../../src/core/plans.js';
import type { Problems } from '../../src/core/validation.js';

// Mutation testing (issue 20): every problem parseConfig reports is pinned with its exact path and wording,
// every default, and both edges of every bounded field (the edge accepted, one past it refused).

const plans = { tiers: { free_trial: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 1])) } };
const valid = { keySecret: 'x'.repeat(32), plans };
const MAX = Number.MAX_SAFE_INTEGER;

/** The problems parseConfig reports for the input, in order; [] when it accepts it. */
function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('CONFIG_INVALID');
    return (error as TollgateError).details?.problems as string[];
  }
}

const range = (path: string, min: number, max: number, got: unknown) => `${path}: must be a whole number from ${min} to ${max}, got ${got}`;

describe('parseConfig: the whole input', () => {
  it.each([
    [null, 'null'],
    [[], 'a list'],
    ['port=1', '"port=1"'],
    [7, '7'],
  ])('refuses %j that is not an object, naming what it got', (input, got) => {
    expect(() => parseConfig(input)).toThrow(`config is invalid:\n  - config: must be an object, got ${got}`);
    expect(problemsOf(input)).toEqual([`config: must be an object, got ${got}`]);
  });

  it('the error message lists every problem under "config is invalid"', () => {
    expect(() => parseConfig({ ...valid, port: -1, host: 5 })).toThrow(
      'config is invalid:\n  - port: must be a whole number from 0 to 65535, got -1\n  - host: must be text, got 5',
    );
  });

  it('fills every default', () => {
    const config = parseConfig(valid);
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      trustProxy: null,
      webhookAllowedHosts: null,
      http: DEFAULT_HTTP,
      authThrottle: { windowMs: 60_000, maxFailuresPerClient: 20, maxFailuresPerKey: 20, maxTracked: 10_000 },
      managementCallsPerMinute: 120,
      billing: { stripeSecretKey: null, stripeApiBase: null, stripeApi: 'v1', dispatch: true, leaseMs: 60_000, retryBaseMs: 5_000 },
      gateway: {
        upstream: null,
        upstreams: [],
        hosted: [],
        unknownRoutes: 'refuse',
        signingSecrets: [],
        connectTimeoutMs: 5_000,
        headersTimeoutMs: 30_000,
        bodyTimeoutMs: 60_000,
        maxUploadBytes: 104_857_600,
        connections: 64,
      },
      store: { kind: 'sqlite', sqlitePath: './data/tollgate.db', databaseUrl: null, postgresSchema: 'tollgate', redisUrl: null, redisKeyPrefix: 'tollgate:', parse: null },
      keySecret: 'x'.repeat(32),
      keySecretFile: null,
      adminKey: null,
      metering: {
        failOpen: false,
        refundOnServerError: true,
        idempotencyTtlMs: 86_400_000,
        tenantCacheTtlMs: 30_000,
        rateWindowMs: 60_000,
        keyTouchIntervalMs: 60_000,
        events: { enabled: true, retentionDays: 30 },
        alertThresholds: [80, 95, 100],
        meterAggregation: 'per_minute',
        enforcement: 'enforce',
      },
      operations: {},
      catalogue: { versions: [{ version: 1, effectiveFromMs: 0, operations: {} }] },
      plans: config.plans,
      memory: { maxContentBytes: 15_000, maxFieldBytes: 16_384 },
    });
    expect(config.authThrottle).toEqual(DEFAULT_AUTH_THROTTLE);
    expect(config.metering).toEqual(DEFAULT_METERING);
    expect(config.plans.trialTier).toBe('free_trial');
  });

  it('sections given as null or as a non-object fall back to their defaults (store, metering, events, memory)', () => {
    const config = parseConfig({ ...valid, store: null, metering: null, memory: 'big' });
    expect(config.store.kind).toBe('sqlite');
    expect(config.metering).toEqual(DEFAULT_METERING);
    expect(config.memory).toEqual({ maxContentBytes: 15_000, maxFieldBytes: 16_384 });
    expect(parseConfig({ ...valid, metering: { events: null } }).metering.events).toEqual({ enabled: true, retentionDays: 30 });
  });

  it('takes every text setting as given', () => {
    const config = parseConfig({ ...valid, host: '127.0.0.1', keySecretFile: '/var/lib/tollgate/key', store: { sqlitePath: '/tmp/t.db', postgresSchema: 'billing', redisKeyPrefix: 'prod:' } });
    expect(config).toMatchObject({ host: '127.0.0.1', keySecretFile: '/var/lib/tollgate/key', store: { sqlitePath: '/tmp/t.db', postgresSchema: 'billing', redisKeyPrefix: 'prod:' } });
  });

  it('freezes the result deeply, but leaves the plans map a map', () => {
    const config = parseConfig({
      ...valid,
      store: { kind: 'parse', parse: { serverUrl: 'http://p', appId: 'a', masterKey: 'm' } },
      operations: { search_v1: { cost: { kind: 'features', base: 1, features: { rank: 2 } } } },
    });
    for (const part of [config, config.store, config.store.parse, config.metering.events, config.http, config.authThrottle, config.memory, config.operations, config.operations.search_v1, config.operations.search_v1!.cost]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(Object.isFrozen(config.plans.tiers)).toBe(false);
  });
});

describe('parseConfig: text and choice fields', () => {
  it.each([
    [{ keySecret: undefined }, ['keySecret: required text, got undefined']],
    [{ keySecret: '' }, ['keySecret: required text, got ""']],
    [{ keySecret: 42 }, ['keySecret: required text, got 42']],
    [{ keySecret: 'x'.repeat(31) }, ['keySecret: must be at least 32 characters']],
    [{ adminKey: 'a'.repeat(31) }, ['TOLLGATE_ADMIN_KEY (adminKey): must be at least 32 characters, got 31']],
    [{ adminKey: 12 }, ['adminKey: must be text, got 12']],
    [{ host: true }, ['host: must be text, got true']],
    [{ keySecretFile: {} }, ['keySecretFile: must be text, got an object']],
    [{ store: { kind: 'mysql' } }, ['store.kind: must be one of sqlite, postgres, redis, parse, ram, got "mysql"']],
    [{ store: { kind: 3 } }, ['store.kind: must be one of sqlite, postgres, redis, parse, ram, got 3']],
    [{ store: { sqlitePath: ['a'] } }, ['store.sqlitePath: must be text, got a list']],
  ])('%j is refused as %j', (patch, expected) => {
    expect(problemsOf({ ...valid, ...patch })).toEqual(expected);
  });

  it('a key secret or admin key of exactly 32 characters is accepted; an empty or null admin key is none', () => {
    expect(parseConfig({ ...valid, adminKey: 'a'.repeat(32) }).adminKey).toBe('a'.repeat(32));
    expect(parseConfig({ ...valid, adminKey: '' }).adminKey).toBeNull();
    expect(parseConfig({ ...valid, adminKey: null }).adminKey).toBeNull();
  });
});

describe('parseConfig: stores and their required settings', () => {
  const parse = { serverUrl: 'http://parse:1337/parse', appId: 'app', masterKey: 'master' };
  it.each([
    [{ kind: 'sqlite' }, []],
    [{ kind: 'ram' }, []],
    [{ kind: 'postgres' }, ['store.databaseUrl: required for the postgres store (DATABASE_URL)']],
    [{ kind: 'postgres', databaseUrl: 'postgres://db' }, []],
    [{ kind: 'redis' }, ['store.databaseUrl: required for the redis store (DATABASE_URL)', 'store.redisUrl: required for the redis store (REDIS_URL)']],
    [{ kind: 'redis', databaseUrl: 'postgres://db' }, ['store.redisUrl: required for the redis store (REDIS_URL)']],
    [{ kind: 'redis', redisUrl: 'redis://r' }, ['store.databaseUrl: required for the redis store (DATABASE_URL)']],
    [{ kind: 'redis', databaseUrl: 'postgres://db', redisUrl: 'redis://r' }, []],
    [{ kind: 'parse' }, ['store.parse: required for the parse store (serverUrl, appId, masterKey)']],
    [{ kind: 'parse', parse: 'http://parse' }, ['store.parse: required for the parse store (serverUrl, appId, masterKey)']],
    [{ kind: 'parse', parse }, []],
    [{ kind: 'parse', parse: {} }, ['store.parse.serverUrl: required text, got undefined', 'store.parse.appId: required text, got undefined', 'store.parse.masterKey: required text, got undefined']],
    [{ kind: 'parse', parse: { ...parse, base: 'postgres' } }, ["store.databaseUrl: required for the parse store's postgres base (DATABASE_URL)"]],
    [{ kind: 'parse', parse: { ...parse, base: 'redis' } }, ["store.databaseUrl: required for the parse store's redis base (DATABASE_URL)"]],
    [{ kind: 'parse', parse: { ...parse, base: 'postgres' }, databaseUrl: 'postgres://db' }, []],
    [{ kind: 'parse', parse: { ...parse, base: 'ram' } }, ['store.parse.base: must be one of sqlite, postgres, redis, got "ram"']],
    [{ redisKeyPrefix: 'a{b' }, ['store.redisKeyPrefix: no braces (they would break Redis Cluster hash tags)']],
    [{ redisKeyPrefix: 'a}b' }, ['store.redisKeyPrefix: no braces (they would break Redis Cluster hash tags)']],
    [{ databaseUrl: 5 }, ['store.databaseUrl: must be text, got 5']],
    [{ redisUrl: false }, ['store.redisUrl: must be text, got false']],
  ])('store %j: %j', (store, expected) => {
    expect(problemsOf({ ...valid, store })).toEqual(expected);
  });

  it('keeps the store settings it was given; the parse base defaults to sqlite', () => {
    expect(parseConfig({ ...valid, store: { kind: 'parse', parse } }).store.parse).toEqual({ ...parse, base: 'sqlite' });
    expect(parseConfig({ ...valid, store: { kind: 'redis', databaseUrl: 'postgres://db', redisUrl: 'redis://r' } }).store).toMatchObject({ kind: 'redis', databaseUrl: 'postgres://db', redisUrl: 'redis://r' });
    expect(parseConfig({ ...valid, store: { kind: 'sqlite', parse: { ...parse, base: 'postgres' }, databaseUrl: 'postgres://db' } }).store.parse?.base).toBe('postgres');
  });
});

describe('parseConfig: whole-number fields, both edges', () => {
  // [section path, field, min, max, default]
  const fields: [string, string, number, number, number][] = [
    ['', 'port', 0, 65535, 8080],
    ['', 'managementCallsPerMinute', 0, 1_000_000, 120],
    ['metering', 'idempotencyTtlMs', 1000, MAX, 86_400_000],
    ['metering', 'tenantCacheTtlMs', 0, MAX, 30_000],
    ['metering', 'rateWindowMs', 1000, MAX, 60_000],
    ['metering', 'keyTouchIntervalMs', 0, MAX, 60_000],
    ['metering.events', 'retentionDays', 1, MAX, 30],
    ['memory', 'maxContentBytes', 1, MAX, 15_000],
    ['memory', 'maxFieldBytes', 1, MAX, 16_384],
    ['http', 'requestTimeoutMs', 1000, 3_600_000, 30_000],
    ['http', 'headersTimeoutMs', 1000, 3_600_000, 10_000],
    ['http', 'keepAliveTimeoutMs', 1000, 3_600_000, 72_000],
    ['http', 'connectionTimeoutMs', 1000, 3_600_000, 60_000],
    ['authThrottle', 'windowMs', 1000, 86_400_000, 60_000],
    ['authThrottle', 'maxFailuresPerClient', 0, 1_000_000, 20],
    ['authThrottle', 'maxFailuresPerKey', 0, 1_000_000, 20],
    ['authThrottle', 'maxTracked', 1, 10_000_000, 10_000],
  ];
  const withValue = (section: string, field: string, value: unknown): Record<string, unknown> => {
    let patch: Record<string, unknown> = { [field]: value };
    // headers must not exceed the request: raise the request bound whenever headers are tested.
    if (field === 'headersTimeoutMs') patch = { ...patch, requestTimeoutMs: 3_600_000 };
    if (field === 'requestTimeoutMs') patch = { ...patch, headersTimeoutMs: 1000 };
    for (const part of section.split('.').filter(Boolean).reverse()) patch = { [part]: patch };
    return { ...valid, ...patch };
  };
  const read = (config: unknown, section: string, field: string) =>
    [...section.split('.').filter(Boolean), field].reduce((value, key) => (value as Record<string, unknown>)[key], config);
  const path = (section: string, field: string) => (section ? `${section}.${field}` : field);

  it.each(fields)('%s.%s accepts %d and its maximum %d, and defaults to %d', (section, field, min, max, fallback) => {
    expect(read(parseConfig(withValue(section, field, min)), section, field)).toBe(min);
    expect(read(parseConfig(withValue(section, field, max)), section, field)).toBe(max);
    expect(read(parseConfig(valid), section, field)).toBe(fallback);
  });

  it.each(fields)('%s.%s refuses one below its minimum %d, one past its maximum %d, a fraction and text', (section, field, min, max) => {
    const over = max === MAX ? 2 ** 53 : max + 1;
    for (const bad of [min - 1, over]) expect(problemsOf(withValue(section, field, bad))).toEqual([range(path(section, field), min, max, bad)]);
    expect(problemsOf(withValue(section, field, min + 1.5))).toEqual([range(path(section, field), min, max, min + 1.5)]);
    expect(problemsOf(withValue(section, field, '10'))).toEqual([range(path(section, field), min, max, '"10"')]);
  });
});

describe('parseConfig: metering switches', () => {
  it.each([
    ['failOpen', false],
    ['refundOnServerError', true],
  ] as const)('metering.%s defaults to %s, takes either value, and refuses anything but a boolean', (field, fallback) => {
    expect(parseConfig(valid).metering[field]).toBe(fallback);
    expect(parseConfig({ ...valid, metering: { [field]: !fallback } }).metering[field]).toBe(!fallback);
    expect(parseConfig({ ...valid, metering: { [field]: fallback } }).metering[field]).toBe(fallback);
    expect(problemsOf({ ...valid, metering: { [field]: 'yes' } })).toEqual([`metering.${field}: must be true or false, got "yes"`]);
  });

  it('metering.events.enabled can be turned off, and refuses anything but a boolean', () => {
    expect(parseConfig({ ...valid, metering: { events: { enabled: false } } }).metering.events.enabled).toBe(false);
    expect(problemsOf({ ...valid, metering: { events: { enabled: 0 } } })).toEqual(['metering.events.enabled: must be true or false, got 0']);
  });
});

describe('parseConfig: http timeouts and the auth throttle', () => {
  it('headers may take as long as the whole request, not one millisecond more', () => {
    expect(parseConfig({ ...valid, http: { requestTimeoutMs: 5_000, headersTimeoutMs: 5_000 } }).http.headersTimeoutMs).toBe(5_000);
    expect(problemsOf({ ...valid, http: { requestTimeoutMs: 5_000, headersTimeoutMs: 5_001 } })).toEqual([
      'http.headersTimeoutMs: must not exceed http.requestTimeoutMs (5000), got 5001',
    ]);
  });

  it.each([
    ['http', null, 'null'],
    ['http', 30, '30'],
    ['authThrottle', [], 'a list'],
    ['authThrottle', 'off', '"off"'],
  ])('%s given as %j is refused as not an object', (section, value, got) => {
    expect(problemsOf({ ...valid, [section]: value })).toEqual([`${section}: must be an object, got ${got}`]);
  });

  it('the auth throttle takes every field it is given', () => {
    const authThrottle = { windowMs: 5_000, maxFailuresPerClient: 3, maxFailuresPerKey: 4, maxTracked: 50 };
    expect(parseConfig({ ...valid, authThrottle }).authThrottle).toEqual(authThrottle);
  });
});

describe('parseConfig: webhookAllowedHosts', () => {
  it('is a list of hosts, trimmed and lower-cased, *. for subdomains; null (any public host) when absent or empty', () => {
    expect(parseConfig({ ...valid, webhookAllowedHosts: 'Hooks.Example.com, *.internal.example,127.0.0.1,::1' }).webhookAllowedHosts).toEqual([
      'hooks.example.com',
      '*.internal.example',
      '127.0.0.1',
      '::1',
    ]);
    expect(parseConfig({ ...valid, webhookAllowedHosts: 'a' }).webhookAllowedHosts).toEqual(['a']);
    expect(parseConfig({ ...valid, webhookAllowedHosts: '' }).webhookAllowedHosts).toBeNull();
    expect(parseConfig(valid).webhookAllowedHosts).toBeNull();
  });

  it('refuses what is not a host, naming each', () => {
    expect(problemsOf({ ...valid, webhookAllowedHosts: 'ok.example, https://x.example, *, a b,-bad,bad-,zz::1,' })).toEqual([
      'webhookAllowedHosts: must list host names or addresses, comma-separated (*.example.com for subdomains), got "https://x.example", "*", "a b", "-bad", "bad-", "zz::1", ""',
    ]);
  });
});

describe('parseConfig: trustProxy', () => {
  it.each([
    'loopback',
    'linklocal',
    'uniquelocal',
    '10.0.0.1',
    '10.0.0.0/8',
    '192.168.100.200/24',
    '::1',
    'fe80::/10',
    '2001:db8::1/128',
    '::ffff:10.0.0.1',
    'loopback, 10.0.0.0/8,fd00::/8',
  ])('accepts %j as it is', (value) => {
    expect(parseConfig({ ...valid, trustProxy: value }).trustProxy).toBe(value);
  });

  it.each(['true', '*', 'loopbackx', 'xloopback', 'local', '10.0.0', '1234.0.0.1', '10.0.0.1/123', '10.0.0.1/', 'example.com', 'g::1', '::1/1234', '10.0.0.1,', 'loopback;10.0.0.1', '10.0.0.1 /8'])(
    'refuses %j',
    (value) => {
      expect(problemsOf({ ...valid, trustProxy: value })).toEqual([
        `trustProxy: must list the proxies' addresses or CIDRs, comma-separated (or loopback, linklocal, uniquelocal), got "${value}"`,
      ]);
    },
  );

  it('is null (the socket peer is the client) when absent or empty', () => {
    expect(parseConfig({ ...valid, trustProxy: '' }).trustProxy).toBeNull();
    expect(parseConfig(valid).trustProxy).toBeNull();
  });
});

describe('parseConfig: plans', () => {
  it("reports the plans' own problems among the others", () => {
    expect(problemsOf({ ...valid, port: -1, plans: { tiers: {} } })).toEqual([
      'plans.trial_tier: names the tier trialing subscriptions use and must be one of the tiers, got "free_trial"',
      range('port', 0, 65535, -1),
    ]);
    expect(problemsOf({ keySecret: 'x'.repeat(32) })).toEqual(['plans: must be an object with a "tiers" map, got undefined']);
  });

  it('reports a failure reading the plans that is not a CONFIG_INVALID as its text', () => {
    const plans = {
      get tiers(): never {
        throw new Error('unreadable');
      },
    };
    expect(problemsOf({ ...valid, plans })).toEqual(['Error: unreadable']);
  });
});

describe('parseOperationOverrides', () => {
  const parse = (input: unknown): [unknown, Problems] => {
    const problems: Problems = [];
    return [parseOperationOverrides(input, problems), problems];
  };

  it('absent or null is no override', () => {
    expect(parse(undefined)).toEqual([{}, []]);
    expect(parse(null)).toEqual([{}, []]);
  });

  it.each([
    ['yes', 'operations: must be an object, got "yes"'],
    [[{ add_memory_v1: 1 }], 'operations: must be an object, got a list'],
  ])('%j is refused', (input, problem) => {
    expect(parse(input)).toEqual([{}, [problem]]);
  });

  it.each([
    [{ cost: 7 }, { cost: { kind: 'fixed', cost: 7 } }],
    [{ cost: 0 }, { cost: { kind: 'fixed', cost: 0 } }],
    [{ cost: { kind: 'fixed', cost: 3 } }, { cost: { kind: 'fixed', cost: 3 } }],
    [{ cost: { kind: 'per_item', costPerItem: 2, minItems: 1, maxItems: 10 } }, { cost: { kind: 'per_item', costPerItem: 2, minItems: 1, maxItems: 10, itemsField: 'items' } }],
    [{ cost: { kind: 'per_item', costPerItem: 2, minItems: 0, maxItems: 0, itemsField: '' } }, { cost: { kind: 'per_item', costPerItem: 2, minItems: 0, maxItems: 0, itemsField: 'items' } }],
    [{ cost: { kind: 'per_item', costPerItem: 2, minItems: 5, maxItems: 5, itemsField: 'rows' } }, { cost: { kind: 'per_item', costPerItem: 2, minItems: 5, maxItems: 5, itemsField: 'rows' } }],
    [{ cost: { kind: 'per_item', costPerItem: 2, minItems: 1, maxItems: 5, itemsField: 7 } }, { cost: { kind: 'per_item', costPerItem: 2, minItems: 1, maxItems: 5, itemsField: 'items' } }],
    [{ cost: { kind: 'features', base: 2, features: { rank: 1, deep: 0 } } }, { cost: { kind: 'features', base: 2, features: { rank: 1, deep: 0 } } }],
    [{ cost: { kind: 'features', base: 0, features: {} } }, { cost: { kind: 'features', base: 0, features: {} } }],
    [{ type: 'premium' }, { type: 'premium' }],
    [{ type: 'mini' }, { type: 'mini' }],
    [{ clientError: 'charge' }, { clientError: 'charge' }],
    [{ clientError: 'refund' }, { clientError: 'refund' }],
    [{ type: 'premium', cost: 2, clientError: 'charge' }, { type: 'premium', cost: { kind: 'fixed', cost: 2 }, clientError: 'charge' }],
    [{}, {}],
  ])('an existing operation with %j becomes %j', (body, override) => {
    expect(parse({ search_v1: body })).toEqual([{ search_v1: override }, []]);
  });

  it('a new operation is taken with its cost, and refused without one', () => {
    expect(parse({ summarize_v1: { cost: 5, type: 'premium' } })).toEqual([{ summarize_v1: { cost: { kind: 'fixed', cost: 5 }, type: 'premium' } }, []]);
    expect(parse({ summarize_v1: { type: 'premium' } })[1]).toEqual(['operations.summarize_v1.cost: a new operation needs a cost']);
  });

  it.each([
    [7, 'operations.search_v1: must be an object with type and/or cost'],
    [null, 'operations.search_v1: must be an object with type and/or cost'],
    [{ clientError: 'keep' }, 'operations.search_v1.clientError: must be "refund" or "charge", got "keep"'],
    [{ clientError: null }, 'operations.search_v1.clientError: must be "refund" or "charge", got null'],
    [{ holdsContent: true }, 'operations.search_v1.holdsContent: no longer a setting; the memory store counts what every write keeps against max_active_memories and max_storage_gb'],
    [{ holdsContent: false }, 'operations.search_v1.holdsContent: no longer a setting; the memory store counts what every write keeps against max_active_memories and max_storage_gb'],
    [{ type: 'standard' }, 'operations.search_v1.type: must be "mini" or "premium", got "standard"'],
    [{ type: 1 }, 'operations.search_v1.type: must be "mini" or "premium", got 1'],
    [{ cost: -1 }, 'operations.search_v1.cost: must be a whole number or a cost rule object'],
    [{ cost: 1.5 }, 'operations.search_v1.cost: must be a whole number or a cost rule object'],
    [{ cost: '3' }, 'operations.search_v1.cost: must be a whole number or a cost rule object'],
    [{ cost: [3] }, 'operations.search_v1.cost: must be a whole number or a cost rule object'],
    [{ cost: {} }, 'operations.search_v1.cost.kind: must be fixed, per_item or features, got undefined'],
    [{ cost: { kind: 'tiered' } }, 'operations.search_v1.cost.kind: must be fixed, per_item or features, got "tiered"'],
    [{ cost: { kind: 'fixed', cost: -1 } }, 'operations.search_v1.cost.cost: must be a non-negative whole number, got -1'],
    [{ cost: { kind: 'fixed', cost: 0.5 } }, 'operations.search_v1.cost.cost: must be a non-negative whole number, got 0.5'],
    [{ cost: { kind: 'fixed', cost: '1' } }, 'operations.search_v1.cost.cost: must be a non-negative whole number, got "1"'],
    [{ cost: { kind: 'fixed' } }, 'operations.search_v1.cost.cost: must be a non-negative whole number, got undefined'],
    [{ cost: { kind: 'per_item', costPerItem: 1, minItems: 6, maxItems: 5 } }, 'operations.search_v1.cost: minItems must not exceed maxItems'],
    [{ cost: { kind: 'per_item', costPerItem: -1, minItems: 1, maxItems: 5 } }, 'operations.search_v1.cost.costPerItem: must be a non-negative whole number, got -1'],
    // minItems above maxItems is only reported once every field is a whole number.
    [{ cost: { kind: 'per_item', costPerItem: -1, minItems: 6, maxItems: 5 } }, 'operations.search_v1.cost.costPerItem: must be a non-negative whole number, got -1'],
    [{ cost: { kind: 'per_item', costPerItem: 1, minItems: -1, maxItems: 5 } }, 'operations.search_v1.cost.minItems: must be a non-negative whole number, got -1'],
    [{ cost: { kind: 'per_item', costPerItem: 1, minItems: 1, maxItems: 'many' } }, 'operations.search_v1.cost.maxItems: must be a non-negative whole number, got "many"'],
    [{ cost: { kind: 'features', base: -2, features: {} } }, 'operations.search_v1.cost.base: must be a non-negative whole number, got -2'],
    [{ cost: { kind: 'features', base: 1 } }, 'operations.search_v1.cost.features: must be an object of flag: extra cost'],
    [{ cost: { kind: 'features', base: 1, features: [1] } }, 'operations.search_v1.cost.features: must be an object of flag: extra cost'],
    [{ cost: { kind: 'features', base: 1, features: { rank: 1, deep: -1 } } }, 'operations.search_v1.cost.features.deep: must be a non-negative whole number'],
    [{ cost: { kind: 'features', base: 1, features: { deep: 1.5 } } }, 'operations.search_v1.cost.features.deep: must be a non-negative whole number'],
  ])('%j is refused as %j, and leaves the bad part out', (body, problem) => {
    const [result, problems] = parse({ search_v1: body });
    expect(problems).toEqual([problem]);
    expect(result).toStrictEqual(typeof body === 'object' && body !== null ? { search_v1: {} } : {});
  });

  it('a bad part of one operation does not drop the others or its good parts', () => {
    const [result, problems] = parse({ search_v1: { type: 'premium', cost: { kind: 'per_item', costPerItem: 1, minItems: 2, maxItems: 1 } }, bad: 1, get_memory_v1: { cost: 2 } });
    expect(result).toStrictEqual({ search_v1: { type: 'premium' }, get_memory_v1: { cost: { kind: 'fixed', cost: 2 } } });
    expect(problems).toEqual(['operations.search_v1.cost: minItems must not exceed maxItems', 'operations.bad: must be an object with type and/or cost']);
  });

  it('parseConfig reports operation problems and keeps valid overrides', () => {
    expect(problemsOf({ ...valid, operations: { x_v1: {} } })).toEqual(['operations.x_v1.cost: a new operation needs a cost']);
    expect(parseConfig({ ...valid, operations: { x_v1: { cost: 2 } } }).operations).toEqual({ x_v1: { cost: { kind: 'fixed', cost: 2 } } });
  });
});
