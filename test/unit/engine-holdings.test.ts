/**
 * Issue 20: the rules of what a tenant may hold and own — memories and bytes stored, how a memory's
 * size is counted, how far a namespace may set its own limits, and how many API keys it may have.
 */
import { describe, expect, it } from 'vitest';
import { UNLIMITED_HOLDINGS, findHoldingRefusal, holdingLimitsOf, holdingRefusalReason, storedBytes } from '../../src/core/holdings.js';
import { NO_KEY_LIMITS, isActiveKey, keyLimitRefusal } from '../../src/core/key-limits.js';
import { limitsRaisedAbove, organizationCeilings } from '../../src/core/limit-narrowing.js';
import { resolveLimits } from '../../src/core/limit-resolution.js';
import { loadDefaultPlans } from '../support/world.js';
import { subscription } from './engine-world.js';

const NOW = Date.parse('2026-11-15T12:00:00.000Z');
const plans = loadDefaultPlans();

describe('holding limits', () => {
  it('of a plan: the organization’s and the namespace’s memories and bytes, with the tier', () => {
    const r = resolveLimits(
      plans,
      { subscription: subscription({ status: 'trialing', trialEndsAt: NOW + 1 }), organizationOverrides: {}, namespaceOverrides: { max_active_memories: 100, max_storage_gb: 0.5 }, apiKeyCap: { mini: null, premium: null } },
      NOW,
    );
    if (!r.ok) throw r.error;
    expect(holdingLimitsOf(r.value)).toEqual({
      organization: { memories: 2500, bytes: 1024 ** 3 },
      namespace: { memories: 100, bytes: 1024 ** 3 / 2 },
      tier: 'free_trial',
      isTrial: true,
    });
  });

  it('without a plan nothing is limited', () => {
    expect(UNLIMITED_HOLDINGS).toEqual({ organization: { memories: null, bytes: null }, namespace: { memories: null, bytes: null }, tier: 'unlimited', isTrial: false });
  });

  it('a write that adds nothing passes a scope already over its limit', () => {
    const held = { organization: { memories: 12, bytes: 900 }, namespace: { memories: 12, bytes: 900 } };
    const limits = { ...UNLIMITED_HOLDINGS, namespace: { memories: 10, bytes: 500 } };
    expect(findHoldingRefusal(held, { memories: 0, bytes: 0 }, limits)).toBeNull();
    expect(findHoldingRefusal(held, { memories: 0, bytes: -100 }, limits)).toBeNull();
    expect(findHoldingRefusal(held, { memories: 1, bytes: 0 }, limits)).toEqual({ scope: 'namespace', metric: 'memories', used: 12, limit: 10, requested: 1 });
  });

  it('refusals are grouped as active_memories:<scope> and storage:<scope>', () => {
    expect(holdingRefusalReason({ scope: 'namespace', metric: 'memories' })).toBe('active_memories:namespace');
    expect(holdingRefusalReason({ scope: 'organization', metric: 'bytes' })).toBe('storage:organization');
  });
});

describe('the size of a memory', () => {
  it('its content in UTF-8, plus the JSON of metadata and of extra fields when there are any', () => {
    expect(storedBytes({ content: 'héllo', metadata: null, extra: {} })).toBe(6);
    expect(storedBytes({ content: 'héllo', metadata: undefined, extra: {} })).toBe(6);
    expect(storedBytes({ content: 'héllo', metadata: { a: 1 }, extra: {} })).toBe(6 + '{"a":1}'.length);
    expect(storedBytes({ content: '', metadata: null, extra: { source: 'x' } })).toBe('{"source":"x"}'.length);
    expect(storedBytes({ content: 'a', metadata: [1], extra: { b: 2 } })).toBe(1 + 3 + 7);
  });
});

describe('how far a namespace may set its own limits', () => {
  it('the ceilings are the organization’s: its tier’s, the trial tier while trialing, its overrides first', () => {
    expect(organizationCeilings(plans, subscription(), {})).toMatchObject({ max_mini_interactions_per_month: 1000, max_premium_interactions_per_month: 500, rate_limit_per_minute: 10 });
    expect(organizationCeilings(plans, subscription({ tier: 'growth', status: 'trialing' }), {})).toMatchObject({ max_mini_interactions_per_month: 2500, rate_limit_per_minute: 10 });
    expect(organizationCeilings(plans, subscription(), { rate_limit_per_minute: 40 })).toMatchObject({ rate_limit_per_minute: 40 });
  });

  it('under metered billing the monthly interactions have no ceiling; the other limits keep theirs', () => {
    expect(organizationCeilings(plans, subscription({ meteredBilling: true }), {})).toMatchObject({
      max_mini_interactions_per_month: null,
      max_premium_interactions_per_month: null,
      max_memory_operations_per_month: 1000,
      rate_limit_per_minute: 10,
      max_active_memories: 2500,
    });
  });

  it('a tier the server does not know sets no ceiling', () => {
    const ceilings = organizationCeilings(plans, subscription({ tier: 'platinum' }), { max_api_keys: 3 });
    expect(ceilings.max_mini_interactions_per_month).toBeNull();
    expect(ceilings.max_api_keys).toBe(3);
  });

  it('a value above the ceiling is a problem naming the field, the value and the ceiling; at or under it, none', () => {
    const ceilings = organizationCeilings(plans, subscription(), {});
    expect(limitsRaisedAbove(ceilings, { rate_limit_per_minute: 11, max_api_keys: 10, max_active_memories: null, max_storage_gb: undefined }, 'namespace.rateLimits')).toEqual([
      "namespace.rateLimits.rate_limit_per_minute: 11 is above the organization's limit of 10; a namespace's limits may only narrow the organization's (the operator raises the organization's limit)",
    ]);
    expect(limitsRaisedAbove(ceilings, { rate_limit_per_minute: 10, max_mini_interactions_per_month: 1 }, 'x')).toEqual([]);
    const unlimited = organizationCeilings(plans, subscription({ tier: 'enterprise' }), {});
    expect(limitsRaisedAbove(unlimited, { max_mini_interactions_per_month: 10 ** 9 }, 'x')).toEqual([]);
  });
});

describe('API keys an organization may have', () => {
  it('no limits by default', () => {
    expect(NO_KEY_LIMITS).toEqual({ organization: null, namespace: null });
  });

  it('a key counts until it is revoked or its expiry instant comes', () => {
    expect(isActiveKey({ revokedAt: null, expiresAt: null }, NOW)).toBe(true);
    expect(isActiveKey({ revokedAt: null, expiresAt: NOW + 1 }, NOW)).toBe(true);
    expect(isActiveKey({ revokedAt: null, expiresAt: NOW }, NOW)).toBe(false);
    expect(isActiveKey({ revokedAt: NOW - 1, expiresAt: null }, NOW)).toBe(false);
  });

  it('one more key than the limit is refused, naming the scope and the counts', () => {
    const error = keyLimitRefusal({ organization: 3, namespace: 2 }, { organization: 10, namespace: 2 });
    expect(error?.code).toBe('RESOURCE_LIMIT_EXCEEDED');
    expect(error?.message).toBe('Key limit reached: the namespace has 2 of 2 active API keys. Revoke a key or ask for a higher max_api_keys.');
    expect(error?.details).toEqual({ error: 'Key limit reached', limit_name: 'max_api_keys', current_count: 2, limit: 2, requested: 1, scope: 'namespace' });
    expect(keyLimitRefusal({ organization: 3, namespace: 1 }, { organization: 10, namespace: 2 })).toBeNull();
  });
});
