import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { DEFAULT_AUTH_THROTTLE, parseConfig } from '../../src/core/config.js';
import { createAuthFailures } from '../../src/http/auth-failures.js';
import { clientOf } from '../../src/http/client-address.js';
import { randomBase62 } from '../../src/tenancy/index.js';
import { manualClock } from '../support/clock.js';
import { LIMIT_FIELDS } from '../../src/core/plans.js';
import { ADMIN_KEY, startServer, type TestServer } from './support/server.js';

const WINDOW_MS = DEFAULT_AUTH_THROTTLE.windowMs;
const LIMIT = DEFAULT_AUTH_THROTTLE.maxFailuresPerClient;

let s: TestServer;
let tenant: Awaited<ReturnType<TestServer['tenant']>>;
/** Key records looked up in the store: what a checked attempt costs, and a throttled one must not. */
let lookups = 0;

beforeEach(async () => {
  lookups = 0;
  s = await startServer({
    authThrottle: {},
    // Every attempt goes to the store, so that lookups counts every key that was checked.
    metering: { tenantCacheTtlMs: 0 },
    wrapStore: (store) => {
      const find = store.directory.findApiKeyByPrefix.bind(store.directory);
      store.directory.findApiKeyByPrefix = async (prefix) => {
        lookups += 1;
        return find(prefix);
      };
      return store;
    },
  });
  tenant = await s.tenant();
});
afterEach(() => s.close());

const unknownKey = () => `tg_${randomBase62(12)}_${randomBase62(32)}`;
/** The tenant's prefix with a wrong secret: a guess at its key. */
const guessAt = (key: string) => `${key.slice(0, 16)}${randomBase62(32)}`;
const usage = (from: string, key: string) => s.call({ method: 'GET', url: '/v1/usage', key, remoteAddress: from });
const organizations = (from: string, adminKey: string) => s.call({ method: 'GET', url: '/admin/organizations?limit=1000', headers: { 'x-admin-key': adminKey }, remoteAddress: from });

async function failFrom(from: string, times: number, key: () => string = unknownKey) {
  for (let i = 0; i < times; i++) expect((await usage(from, key())).status).toBe(401);
}

describe('failed API keys, per client', () => {
  it(`refuses the attempt after ${LIMIT} failures with 429 AUTH_THROTTLED, unchecked even when the key is right, until the window ends`, async () => {
    await failFrom('203.0.113.7', LIMIT);
    const checked = lookups;

    const refused = await usage('203.0.113.7', unknownKey());
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.body).toMatchObject({ error_code: 'AUTH_THROTTLED', throttled: 'client', retry_after_seconds: 60 });
    expect(refused.body.message).toBe('Too many failed authentication attempts from this address: no key sent from it is checked for 60 s. Retry after 60 s.');
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(429);
    expect(lookups).toBe(checked);

    s.clock.advance(WINDOW_MS - 1_000);
    const late = await usage('203.0.113.7', tenant.key);
    expect([late.status, late.headers['retry-after']]).toEqual([429, '1']);
    s.clock.advance(1_000);
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(200);
  });

  it('counts no throttled attempt: after the window the client has its whole allowance again', async () => {
    await failFrom('203.0.113.7', LIMIT);
    for (let i = 0; i < 50; i++) expect((await usage('203.0.113.7', unknownKey())).status).toBe(429);
    s.clock.advance(WINDOW_MS);
    await failFrom('203.0.113.7', LIMIT);
    expect((await usage('203.0.113.7', unknownKey())).status).toBe(429);
  });

  it("leaves other clients alone: a valid key from another address is served while the attacker's is throttled", async () => {
    await failFrom('203.0.113.7', LIMIT);
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(429);
    expect((await usage('198.51.100.2', tenant.key)).status).toBe(200);
    // A success from the throttled address's neighbour, or a success of its own later, resets nothing.
    s.clock.advance(WINDOW_MS);
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(200);
    await failFrom('203.0.113.7', LIMIT - 1);
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(200);
    await failFrom('203.0.113.7', 1);
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(429);
  });

  it('does not count calls without a key: they guess nothing and cost no lookup', async () => {
    for (let i = 0; i < LIMIT * 2; i++) expect((await s.call({ method: 'GET', url: '/v1/usage', remoteAddress: '203.0.113.7' })).body.reason).toBe('missing');
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(200);
  });

  it('counts malformed keys, and failures on /functions, against the same client', async () => {
    for (let i = 0; i < LIMIT / 2; i++) expect((await usage('203.0.113.7', `not-a-key-${i}`)).body.reason).toBe('malformed');
    for (let i = 0; i < LIMIT / 2; i++) {
      const r = await s.call({ method: 'POST', url: '/functions/getOrganizationInteractions', key: unknownKey(), body: { organizationId: tenant.orgId, month: 11, year: 2026 }, remoteAddress: '203.0.113.7' });
      expect(r.status).toBe(401);
    }
    expect((await usage('203.0.113.7', tenant.key)).status).toBe(429);
  });

  it('counts an IPv6 client by its /64: a fresh address per guess does not escape', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await usage(`2001:db8:7:1::${(i + 1).toString(16)}`, unknownKey())).status).toBe(401);
    expect((await usage('2001:db8:7:1:abcd:1:2:3', tenant.key)).status).toBe(429);
    expect((await usage('2001:db8:7:2::1', tenant.key)).status).toBe(200);
  });
});

describe('failed API keys, per key', () => {
  const attackers = Array.from({ length: LIMIT + 1 }, (_, i) => `10.0.${i}.1`);

  it(`slows a guess spread over many addresses: past ${LIMIT} failures on a key, an address that has failed gets no further guess at it`, async () => {
    for (const from of attackers.slice(0, LIMIT)) await failFrom(from, 1, () => guessAt(tenant.key));
    const checked = lookups;

    const again = await usage(attackers[0]!, guessAt(tenant.key));
    expect(again.status).toBe(429);
    expect(again.body).toMatchObject({ error_code: 'AUTH_THROTTLED', throttled: 'key', retry_after_seconds: 60 });
    expect(again.body.message).toContain('Too many failed attempts with this key, and this address has failed too');
    // Even with the right key: the attempt is not checked.
    expect((await usage(attackers[1]!, tenant.key)).status).toBe(429);
    expect(lookups).toBe(checked);

    // A new address gets its one guess, then is refused on that key; other keys stay open to it.
    await failFrom(attackers[LIMIT]!, 1, () => guessAt(tenant.key));
    expect((await usage(attackers[LIMIT]!, guessAt(tenant.key))).status).toBe(429);
    expect((await usage(attackers[LIMIT]!, unknownKey())).status).toBe(401);

    s.clock.advance(WINDOW_MS);
    expect((await usage(attackers[1]!, tenant.key)).status).toBe(200);
  });

  it('keeps serving the holder of the key from an address that has not failed: a key cannot be locked out by others', async () => {
    for (const from of attackers) await failFrom(from, 1, () => guessAt(tenant.key));
    for (let i = 0; i < 30; i++) expect((await usage('198.51.100.2', tenant.key)).status).toBe(200);
  });
});

describe('failed admin keys', () => {
  const wrongAdminKey = () => `tga_${randomBase62(40)}`;

  it(`throttle a client after ${LIMIT} failures on /admin (the dashboard's sign-in), the right admin key included, others unaffected`, async () => {
    for (let i = 0; i < LIMIT; i++) expect((await organizations('203.0.113.9', wrongAdminKey())).body).toMatchObject({ error_code: 'ADMIN_KEY_INVALID', reason: 'wrong' });
    const refused = await organizations('203.0.113.9', ADMIN_KEY);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.body).toMatchObject({ error_code: 'AUTH_THROTTLED', throttled: 'client' });
    expect((await organizations('198.51.100.2', ADMIN_KEY)).status).toBe(200);
    s.clock.advance(WINDOW_MS);
    expect((await organizations('203.0.113.9', ADMIN_KEY)).status).toBe(200);
  });

  it('count the admin key as one key: a guess spread over many addresses is slowed, the operator from a clean address is served', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await organizations(`10.1.${i}.1`, wrongAdminKey())).status).toBe(401);
    expect((await organizations('10.1.0.1', ADMIN_KEY)).body).toMatchObject({ error_code: 'AUTH_THROTTLED', throttled: 'key' });
    expect((await organizations('198.51.100.2', ADMIN_KEY)).status).toBe(200);
  });

  it('refuse a wrong admin key on /functions even beside a valid API key, so that it is counted', async () => {
    const call = (adminKey: string) =>
      s.call({ method: 'POST', url: '/functions/getOrganizationInteractions', key: tenant.key, headers: { 'x-parse-master-key': adminKey }, body: { organizationId: tenant.orgId, month: 11, year: 2026 }, remoteAddress: '203.0.113.9' });
    expect((await call(wrongAdminKey())).body).toMatchObject({ error_code: 'ADMIN_KEY_INVALID', reason: 'wrong' });
    for (let i = 1; i < LIMIT; i++) expect((await call(wrongAdminKey())).status).toBe(401);
    expect((await call(ADMIN_KEY)).body.error_code).toBe('AUTH_THROTTLED');
    // Without an admin key, the API key alone still answers from an address that has not failed.
    const plain = await s.call({ method: 'POST', url: '/functions/getNamespaceInteractions', key: tenant.key, body: { namespaceId: tenant.nsId, month: 11, year: 2026 }, remoteAddress: '198.51.100.2' });
    expect(plain.status).toBe(200);
  });
});

describe('behind a proxy', () => {
  const viaProxy = (client: string, key: string) => s.call({ method: 'GET', url: '/v1/usage', key, headers: { 'x-forwarded-for': client }, remoteAddress: '10.9.0.1' });

  it('without trustProxy, X-Forwarded-For is not believed: the proxy is the client', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await viaProxy(`203.0.113.${i}`, unknownKey())).status).toBe(401);
    expect((await viaProxy('198.51.100.2', tenant.key)).status).toBe(429);
  });

  it('with trustProxy listing the proxy, the address it forwards is the client, and one written by the client is not', async () => {
    await s.close();
    s = await startServer({ authThrottle: {}, trustProxy: '10.9.0.0/16' });
    tenant = await s.tenant();
    for (let i = 0; i < LIMIT; i++) expect((await viaProxy(`${i}.0.0.1, 203.0.113.7`, unknownKey())).status).toBe(401);
    expect((await viaProxy('203.0.113.7', tenant.key)).status).toBe(429);
    expect((await viaProxy('198.51.100.2', tenant.key)).status).toBe(200);
  });
});

describe('the count in memory', () => {
  it('stays bounded: 100,000 failures from distinct addresses and keys leave maxTracked of each', () => {
    const failures = createAuthFailures({ clock: manualClock(), config: DEFAULT_AUTH_THROTTLE });
    for (let i = 0; i < 100_000; i++) failures.record(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `tg_${String(i).padStart(12, '0')}`);
    expect(failures.tracked()).toEqual({ clients: DEFAULT_AUTH_THROTTLE.maxTracked, keys: DEFAULT_AUTH_THROTTLE.maxTracked });
  });

  it('forgets a window once it has ended', () => {
    const clock = manualClock();
    const failures = createAuthFailures({ clock, config: { ...DEFAULT_AUTH_THROTTLE, maxFailuresPerClient: 2 } });
    failures.record('10.0.0.1', null);
    failures.record('10.0.0.1', null);
    expect(failures.refusal('10.0.0.1', [])).toEqual({ by: 'client', retryAfterMs: WINDOW_MS });
    clock.advance(WINDOW_MS);
    expect(failures.refusal('10.0.0.1', [])).toBeNull();
    expect(failures.tracked().clients).toBe(0);
  });

  it('is off with both limits at 0', () => {
    const failures = createAuthFailures({ clock: manualClock(), config: { ...DEFAULT_AUTH_THROTTLE, maxFailuresPerClient: 0, maxFailuresPerKey: 0 } });
    for (let i = 0; i < 100; i++) failures.record('10.0.0.1', 'admin');
    expect(failures.refusal('10.0.0.1', ['admin'])).toBeNull();
    expect(failures.tracked()).toEqual({ clients: 0, keys: 0 });
  });
});

describe('client addresses', () => {
  it('are IPv4 addresses as they are, IPv4-mapped ones as IPv4, IPv6 ones by their /64', () => {
    expect(clientOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('2001:db8:7:1::1')).toBe('2001:db8:7:1::/64');
    expect(clientOf('2001:0DB8:0007:0001:ffff:1:2:3')).toBe('2001:db8:7:1::/64');
    expect(clientOf('2001:db8::7:1:2:3')).toBe('2001:db8:0:0::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientOf('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('configuration', () => {
  const plans = { tiers: { free_trial: Object.fromEntries(LIMIT_FIELDS.map((f) => [f, 1])) } };
  const valid = { keySecret: 'x'.repeat(32), plans };

  it('defaults to 20 failures a minute per client and per key, 10,000 of each remembered', () => {
    expect(parseConfig(valid).authThrottle).toEqual({ windowMs: 60_000, maxFailuresPerClient: 20, maxFailuresPerKey: 20, maxTracked: 10_000 });
  });

  it('is read from TOLLGATE_AUTH_* variables and checked', () => {
    const env = { TOLLGATE_KEY_SECRET: 'x'.repeat(32), TOLLGATE_AUTH_THROTTLE_WINDOW_MS: '300000', TOLLGATE_AUTH_FAILURES_PER_CLIENT: '5', TOLLGATE_AUTH_FAILURES_PER_KEY: '0', TOLLGATE_AUTH_THROTTLE_TRACKED: '500' };
    expect(loadConfig({ env }).authThrottle).toEqual({ windowMs: 300_000, maxFailuresPerClient: 5, maxFailuresPerKey: 0, maxTracked: 500 });
    expect(() => parseConfig({ ...valid, authThrottle: { windowMs: 10, maxTracked: 0 } })).toThrow(/authThrottle\.windowMs.*authThrottle\.maxTracked|authThrottle\.maxTracked.*authThrottle\.windowMs/s);
  });

  it('takes trustProxy as a list of proxies only (TOLLGATE_TRUST_PROXY)', () => {
    expect(parseConfig(valid).trustProxy).toBeNull();
    expect(loadConfig({ env: { TOLLGATE_KEY_SECRET: 'x'.repeat(32), TOLLGATE_TRUST_PROXY: '10.0.0.0/8, ::1, loopback' } }).trustProxy).toBe('10.0.0.0/8, ::1, loopback');
    expect(() => parseConfig({ ...valid, trustProxy: 'true' })).toThrow(/trustProxy: must list the proxies/);
    expect(() => parseConfig({ ...valid, trustProxy: true })).toThrow(/trustProxy: must be text/);
  });
});
