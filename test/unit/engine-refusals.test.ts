/**
 * Issue 20: the words and figures of the charge path's refusals, as a caller reads them — a full
 * monthly counter (on a trial and on a paid plan), a minute window, an inactive or ended
 * subscription, a tier the server does not know — and the limits they are resolved from.
 */
import { describe, expect, it } from 'vitest';
import { createCatalogue } from '../../src/core/catalogue.js';
import { isTighterWindow, limitRefusalReason } from '../../src/core/charge-rules.js';
import { TollgateError, isTollgateError } from '../../src/core/errors.js';
import { priceOperation } from '../../src/core/cost.js';
import { resolveLimits, tightest, type LimitSources } from '../../src/core/limit-resolution.js';
import { parseMonth, periodOf } from '../../src/core/periods.js';
import type { PlannedLine } from '../../src/metering/charge-lines.js';
import { limitRefusal, rateRefusal } from '../../src/metering/refusals.js';
import { loadDefaultPlans } from '../support/world.js';
import { subscription } from './engine-world.js';

const NOW = Date.parse('2026-11-15T12:00:00.000Z');
const period = periodOf(NOW, null);

const line = (scope: 'organization' | 'namespace' | 'api_key', limit: number | null): PlannedLine => ({
  counter: { scope, scopeId: `${scope}_1`, metric: 'mini', period: period.key, organizationId: 'org_1' },
  amount: 4,
  limit,
  included: null,
  observedLimit: null,
  resetsAtMs: period.endMs,
});

describe('a full monthly counter', () => {
  it('on a paid plan: what is full, when it resets, and that upgrading raises it', () => {
    const { error, retryAfterSeconds } = limitRefusal(line('namespace', 100), 98, { operation: 'add_memory_v1', cost: 4, tier: 'growth', isTrial: false, period, nowMs: NOW });
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toBe(
      'Interaction limit reached: the namespace has used 98 of 100 mini interactions this period and this call costs 4. ' +
        'The limit resets at 2026-12-01T00:00:00.000Z; upgrade the plan to raise it.',
    );
    expect(retryAfterSeconds).toBe(Math.ceil((Date.parse('2026-12-01T00:00:00.000Z') - NOW) / 1000));
    expect(error.details).toEqual({
      error: 'Interaction limit reached',
      current_count: 98,
      limit: 100,
      operation_cost: 4,
      operation: 'add_memory_v1',
      tier: 'growth',
      is_trial: false,
      scope: 'namespace',
      interaction_type: 'mini',
      period: '2026-11',
      resets_at: '2026-12-01T00:00:00.000Z',
      retry_after_seconds: retryAfterSeconds,
    });
  });

  it('on a trial: choosing a plan raises it', () => {
    const { error } = limitRefusal(line('api_key', 10), 10, { operation: 'search_v1', cost: 1, tier: 'free_trial', isTrial: true, period, nowMs: NOW });
    expect(error.message).toBe(
      'Interaction limit reached: this API key has used 10 of 10 mini interactions this period and this call costs 1. ' +
        'The limit resets at 2026-12-01T00:00:00.000Z; choose a plan to raise it.',
    );
    expect(error.details).toMatchObject({ is_trial: true, tier: 'free_trial', scope: 'api_key' });
  });
});

describe('a full minute window', () => {
  it('names the window, its size and the seconds to wait', () => {
    const { error, retryAfterSeconds } = rateRefusal('organization', { limit: 10, remaining: 0, resetAtMs: NOW + 30_000, retryAfterMs: 2_500 } as never, 'search_v1');
    expect(retryAfterSeconds).toBe(3);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.message).toBe('Rate limit reached: at most 10 calls per minute for this organization. Retry in 3 s.');
    expect(error.details).toEqual({ error: 'Rate limit reached', limit: 10, window: 'minute', scope: 'organization', retry_after_seconds: 3, operation: 'search_v1' });
  });
});

const sources = (s: Parameters<typeof subscription>[0] = {}): LimitSources => ({
  subscription: subscription(s),
  organizationOverrides: {},
  namespaceOverrides: null,
  apiKeyCap: { mini: null, premium: null },
});

describe('subscriptions that refuse calls', () => {
  const plans = loadDefaultPlans();

  it('past due: "past due" in words, with the status and tier in the details', () => {
    const r = resolveLimits(plans, sources({ status: 'past_due', tier: 'growth' }), NOW);
    if (r.ok) throw new Error('resolved');
    expect(r.error.code).toBe('SUBSCRIPTION_INACTIVE');
    expect(r.error.message).toBe('The subscription is past due; update billing to resume calls.');
    expect(r.error.details).toEqual({ subscription_status: 'past_due', tier: 'growth' });
  });

  it('incomplete_expired: only the first underscore becomes a space', () => {
    const r = resolveLimits(plans, sources({ status: 'incomplete_expired' }), NOW);
    if (r.ok) throw new Error('resolved');
    expect(r.error.message).toBe('The subscription is incomplete expired; update billing to resume calls.');
  });

  it('an ended trial: choose a plan, and when it ended', () => {
    const endedAt = NOW - 1;
    const r = resolveLimits(plans, sources({ status: 'trialing', trialEndsAt: endedAt, tier: 'starter' }), NOW);
    if (r.ok) throw new Error('resolved');
    expect(r.error.message).toBe('The trial has ended; choose a plan to resume calls.');
    expect(r.error.details).toEqual({ subscription_status: 'trial_expired', tier: 'starter', trial_ended_at: new Date(endedAt).toISOString() });
  });

  it('a trial without an end date is served on the trial tier', () => {
    const r = resolveLimits(plans, sources({ status: 'trialing', trialEndsAt: null }), NOW);
    expect(r).toMatchObject({ ok: true, value: { tier: 'free_trial', isTrial: true } });
  });

  it('a tier the server does not know: ask the operator to add it', () => {
    const r = resolveLimits(plans, sources({ tier: 'platinum' }), NOW);
    if (r.ok) throw new Error('resolved');
    expect(r.error.code).toBe('PLAN_UNKNOWN');
    expect(r.error.message).toBe('The plan tier "platinum" is not configured on this server; ask the operator to add it to plans.yaml.');
    expect(r.error.details).toEqual({ tier: 'platinum' });
  });

  it('what an organization may hold is its tier’s, in memories and in bytes', () => {
    const r = resolveLimits(plans, sources({ tier: 'developer' }), NOW);
    if (!r.ok) throw r.error;
    expect(r.value.activeMemories).toEqual({ organization: 2500, namespace: null, apiKey: null });
    expect(r.value.storageBytes).toEqual({ organization: 1024 ** 3, namespace: null, apiKey: null });
  });
});

describe('the tightest of the limits that apply', () => {
  it('is the smallest one set, or none', () => {
    expect(tightest({ organization: 1000, namespace: 50, apiKey: 200 })).toBe(50);
    expect(tightest({ organization: null, namespace: null, apiKey: 7 })).toBe(7);
    expect(tightest({ organization: 0, namespace: null, apiKey: 7 })).toBe(0);
    expect(tightest({ organization: null, namespace: null, apiKey: null })).toBeNull();
  });
});

describe('prices the caller cannot be charged', () => {
  const catalogue = createCatalogue();

  it('an unknown operation is named', () => {
    const r = priceOperation(catalogue, 'frobnicate_v1');
    if (r.ok) throw new Error('priced');
    expect(r.error.code).toBe('UNKNOWN_OPERATION');
    expect(r.error.message).toBe('Unknown operation "frobnicate_v1".');
    expect(r.error.details).toEqual({ operation: 'frobnicate_v1' });
  });

  it('a batch without a count, and one too large, are refused with the bounds', () => {
    const none = priceOperation(catalogue, 'add_memory_batch_v1');
    if (none.ok) throw new Error('priced');
    expect(none.error.message).toBe('A batch must hold between 1 and 50 items; it held none.');
    expect(none.error.details).toEqual({ operation: 'add_memory_batch_v1', items: null, min_items: 1, max_items: 50 });
    const big = priceOperation(catalogue, 'add_memory_batch_v1', { itemCount: 51 });
    if (big.ok) throw new Error('priced');
    expect(big.error.message).toBe('A batch must hold between 1 and 50 items; it held 51.');
    expect(big.error.details).toEqual({ operation: 'add_memory_batch_v1', items: 51, min_items: 1, max_items: 50 });
    const zero = priceOperation(catalogue, 'add_memory_batch_v1', { itemCount: 0 });
    if (zero.ok) throw new Error('priced');
    expect(zero.error.details).toMatchObject({ items: 0 });
  });
});

describe('months a report may ask for', () => {
  it('"YYYY-MM" from 1970-01 to 9999-12, nothing else', () => {
    expect(parseMonth('2026-11')).toEqual({ year: 2026, month: 11 });
    expect(parseMonth('2026-01')).toEqual({ year: 2026, month: 1 });
    expect(parseMonth('2026-12')).toEqual({ year: 2026, month: 12 });
    expect(parseMonth('1970-01')).toEqual({ year: 1970, month: 1 });
    expect(parseMonth('9999-12')).toEqual({ year: 9999, month: 12 });
    for (const bad of ['2026-00', '2026-13', '1969-12', '0000-01', 'x2026-11', '2026-111', '2026-1', 'november', '']) {
      expect(parseMonth(bad), bad).toBeNull();
    }
  });
});

describe('refusal reasons analytics group by', () => {
  it('holding limits and monthly interactions, per scope', () => {
    expect(limitRefusalReason('namespace', 'active_memories')).toBe('active_memories:namespace');
    expect(limitRefusalReason('organization', 'storage_bytes')).toBe('storage:organization');
    expect(limitRefusalReason('api_key', 'premium')).toBe('quota:api_key');
  });
});

describe('which minute window speaks for a call', () => {
  it('one that frees sooner is not the tighter, even with fewer calls left', () => {
    expect(isTighterWindow({ retryAfterMs: 1_000, remaining: 0 }, { retryAfterMs: 5_000, remaining: 3 })).toBe(false);
    expect(isTighterWindow({ retryAfterMs: 0, remaining: 2 }, { retryAfterMs: 0, remaining: 3 })).toBe(true);
    expect(isTighterWindow({ retryAfterMs: 0, remaining: 3 }, { retryAfterMs: 0, remaining: 3 })).toBe(false);
  });
});

describe('errors as the operator’s logs see them', () => {
  it('are TollgateErrors by name, with a cause only when one was given', () => {
    const plain = new TollgateError('INTERNAL');
    expect(plain.name).toBe('TollgateError');
    expect('cause' in plain).toBe(false);
    const cause = new Error('socket closed');
    expect(new TollgateError('STORE_UNAVAILABLE', { cause }).cause).toBe(cause);
    expect(isTollgateError(plain)).toBe(true);
    expect(isTollgateError(new Error('x'))).toBe(false);
  });
});
