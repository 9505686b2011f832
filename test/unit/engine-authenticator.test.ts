/**
 * Issue 20: who is calling — what a caller is told for each key that does not authenticate, how
 * long a tenant is kept without asking the store again, and which changes drop it at once.
 */
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/core/errors.js';
import { createAuthenticator } from '../../src/metering/authenticator.js';
import type { TenantDirectory } from '../../src/stores/contract/index.js';
import { TEST_KEY_SECRET, type World } from '../support/world.js';
import { closeAfterEach, ramWorld } from './engine-world.js';

closeAfterEach();

/** An authenticator over the world's directory that counts the keys it loads from the store. */
function counting(w: World, ttlMs = 60_000, replaced: Partial<TenantDirectory> = {}) {
  let loads = 0;
  const target = w.store.directory;
  const directory = new Proxy(target, {
    get(t, p) {
      if (p in replaced) return (replaced as Record<PropertyKey, unknown>)[p];
      if (p === 'findApiKeyByPrefix') {
        return async (prefix: string) => {
          loads++;
          return t.findApiKeyByPrefix(prefix);
        };
      }
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  const authenticator = createAuthenticator({ directory, keySecret: TEST_KEY_SECRET, clock: w.clock, ttlMs });
  return { authenticator, loads: () => loads };
}

const reasonOf = async (a: ReturnType<typeof createAuthenticator>, key: string | null) => {
  const r = await a.authenticate(key);
  if (r.ok) return 'ok';
  return { code: r.error.code, message: r.error.message, details: r.error.details };
};

describe('keys that do not authenticate', () => {
  it('missing, not a Tollgate key, unknown, wrong secret: each told apart', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const { authenticator } = counting(w);
    expect(await reasonOf(authenticator, null)).toEqual({
      code: 'INVALID_API_KEY',
      message: 'An API key is required: send it as X-API-Key, or Authorization: Bearer <key>.',
      details: { reason: 'missing' },
    });
    expect(await reasonOf(authenticator, '')).toMatchObject({ details: { reason: 'missing' } });
    expect(await reasonOf(authenticator, 'sk_live_123')).toEqual({
      code: 'INVALID_API_KEY',
      message: 'The API key is not a Tollgate key (tg_…): check that it was copied whole.',
      details: { reason: 'malformed' },
    });
    const wrongSecret = key.slice(0, -4) + (key.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    expect(await reasonOf(authenticator, wrongSecret)).toEqual({ code: 'INVALID_API_KEY', message: 'The API key is not known.', details: { reason: 'unknown' } });
    expect(await reasonOf(authenticator, key)).toBe('ok');
    authenticator.close();
  });

  it('revoked, and expired from the instant of its expiry', async () => {
    const w = await ramWorld();
    const expiresAt = w.clock.now() + 60_000;
    const { key, context } = await w.tenant({ key: { expiresAt } });
    const { authenticator } = counting(w);
    w.clock.set(expiresAt - 1);
    expect(await reasonOf(authenticator, key)).toBe('ok');
    w.clock.set(expiresAt);
    expect(await reasonOf(authenticator, key)).toEqual({ code: 'INVALID_API_KEY', message: 'The API key has expired.', details: { reason: 'expired' } });
    await w.tenancy.revokeApiKey(context.apiKey.id);
    expect(await reasonOf(authenticator, key)).toEqual({ code: 'INVALID_API_KEY', message: 'The API key has been revoked.', details: { reason: 'revoked' } });
    authenticator.close();
  });

  it('a namespace key whose namespace is gone, or inactive', async () => {
    const w = await ramWorld();
    const { key, context } = await w.tenant();
    const gone = counting(w, 60_000, { getNamespace: async () => null });
    expect(await reasonOf(gone.authenticator, key)).toEqual({
      code: 'INVALID_API_KEY',
      message: 'The namespace of this API key no longer exists.',
      details: { reason: 'namespace_deleted' },
    });
    gone.authenticator.close();
    const { authenticator } = counting(w);
    await w.tenancy.updateNamespace(context.namespace!.id, { isActive: false });
    expect(await reasonOf(authenticator, key)).toEqual({
      code: 'NAMESPACE_INACTIVE',
      message: 'The namespace "production" is inactive.',
      details: { namespace_id: context.namespace!.id },
    });
    authenticator.close();
  });

  it('a key whose organization is gone is not known', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const { authenticator } = counting(w, 60_000, { getOrganization: async () => null });
    expect(await reasonOf(authenticator, key)).toMatchObject({ details: { reason: 'unknown' } });
    authenticator.close();
  });

  it('an organization key of an organization without a namespace authenticates, outside any namespace', async () => {
    const w = await ramWorld();
    const org = await w.tenancy.createOrganization({ name: 'Solo', planTier: 'developer' });
    const issued = await w.tenancy.issueOrganizationKey(org.id, { name: 'org key' });
    const { authenticator } = counting(w);
    const r = await authenticator.authenticate(issued.key);
    expect(r).toMatchObject({ ok: true, value: { namespace: null, organization: { id: org.id } } });
    authenticator.close();
  });
});

describe('the tenant cache', () => {
  it('a tenant is kept for the TTL: the store is asked once', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const { authenticator, loads } = counting(w, 60_000);
    await authenticator.authenticate(key);
    await new Promise((r) => setTimeout(r, 5));
    await authenticator.authenticate(key);
    expect(loads()).toBe(1);
    authenticator.close();
  });

  it('with a TTL of 0 nothing is kept', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const { authenticator, loads } = counting(w, 0);
    await authenticator.authenticate(key);
    await authenticator.authenticate(key);
    expect(loads()).toBe(2);
    authenticator.close();
  });

  it('a change drops the tenants it touches and no others', async () => {
    const w = await ramWorld();
    const a = await w.tenant({ organization: { planTier: 'developer' } });
    const second = await w.tenancy.createNamespace(a.context.organization.id, { name: 'staging' });
    const b = await w.tenant({ organization: { planTier: 'developer' } });
    const { authenticator, loads } = counting(w);
    // An unknown key is kept too (as missing); a change must step over it.
    expect(await reasonOf(authenticator, `tg_${'z'.repeat(12)}_${'z'.repeat(32)}`)).toMatchObject({ details: { reason: 'unknown' } });
    const both = async () => {
      await authenticator.authenticate(a.key);
      await authenticator.authenticate(b.key);
    };
    await both();
    const base = loads();
    // Another namespace of a's organization: a's organization changed, a is dropped; b is not.
    await w.tenancy.updateNamespace(second.id, { name: 'staging-2' });
    await both();
    expect(loads()).toBe(base + 1);
    // b's organization: only b.
    await w.tenancy.updateOrganization(b.context.organization.id, { name: 'Beta' });
    await both();
    expect(loads()).toBe(base + 2);
    const r = await authenticator.authenticate(b.key);
    expect(r).toMatchObject({ ok: true, value: { organization: { name: 'Beta' } } });
    // a's namespace itself.
    await w.tenancy.updateNamespace(a.context.namespace!.id, { name: 'prod' });
    await both();
    expect(loads()).toBe(base + 3);
    // A key: only that key.
    await w.tenancy.revokeApiKey(b.context.apiKey.id);
    await both();
    expect(loads()).toBe(base + 4);
    expect(await reasonOf(authenticator, b.key)).toMatchObject({ details: { reason: 'revoked' } });
    authenticator.close();
  });

  it('once closed, it keeps nothing and follows no change', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const { authenticator, loads } = counting(w);
    await authenticator.authenticate(key);
    authenticator.close();
    await authenticator.authenticate(key);
    expect(loads()).toBe(2);
  });
});

describe('a store that fails while a key is looked up', () => {
  it('a TollgateError (store unavailable) is the answer; anything else is thrown', async () => {
    const w = await ramWorld();
    const { key } = await w.tenant();
    const down = counting(w, 60_000, { findApiKeyByPrefix: async () => Promise.reject(new TollgateError('STORE_UNAVAILABLE')) });
    expect(await reasonOf(down.authenticator, key)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    down.authenticator.close();
    const broken = counting(w, 60_000, { findApiKeyByPrefix: async () => Promise.reject(new Error('bug')) });
    await expect(broken.authenticator.authenticate(key)).rejects.toThrow('bug');
    broken.authenticator.close();
  });
});
