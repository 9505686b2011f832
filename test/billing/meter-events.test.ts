import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildMeterEvents, DEFAULT_METER_EVENT_NAMES, toStreamEvent, type MeteredUsage } from '../../src/billing/meter-events.js';
import { TollgateError } from '../../src/core/errors.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-15T12:00:00.000Z');

function usage(chargeId: string, overrides: Partial<MeteredUsage> = {}): MeteredUsage {
  return { chargeId, kind: 'charge', atMs: T0 + 1_234, customerId: 'cus_A', type: 'mini', amount: 4, ...overrides };
}

describe('per call', () => {
  it('one event per charge, in Stripe’s shape: value a string, timestamp in seconds, identifier from the charge id', () => {
    const plan = buildMeterEvents([usage('chg_1'), usage('chg_2', { type: 'premium', amount: 3, customerId: 'cus_B' })], { aggregation: 'per_call' });
    expect(plan.drafts).toEqual([
      {
        event: { event_name: 'tollgate_mini', identifier: 'tgc_chg_1', timestamp: T0 / 1000 + 1, payload: { stripe_customer_id: 'cus_A', value: '4' } },
        chargeIds: ['chg_1'],
      },
      {
        event: { event_name: 'tollgate_premium', identifier: 'tgc_chg_2', timestamp: T0 / 1000 + 1, payload: { stripe_customer_id: 'cus_B', value: '3' } },
        chargeIds: ['chg_2'],
      },
    ]);
    expect(plan.noEventNeeded).toEqual([]);
  });

  it('a refund is a negative value under its own identifier; a zero amount needs no event', () => {
    const plan = buildMeterEvents([usage('chg_1', { kind: 'refund' }), usage('chg_0', { amount: 0 })], { aggregation: 'per_call' });
    expect(plan.drafts.map((d) => [d.event.identifier, d.event.payload.value])).toEqual([['tgr_chg_1', '-4']]);
    expect(plan.noEventNeeded).toEqual(['chg_0']);
  });

  it('uses the configured event names, and keeps identifiers within Stripe’s 100 characters', () => {
    const names = { mini: 'acme_mini_calls', premium: 'acme_premium_calls' };
    const long = 'x'.repeat(120);
    const plan = buildMeterEvents([usage('chg_1'), usage(long)], { aggregation: 'per_call', eventNames: names });
    expect(plan.drafts[0]!.event.event_name).toBe('acme_mini_calls');
    const identifier = plan.drafts[1]!.event.identifier;
    expect(identifier.length).toBeLessThanOrEqual(100);
    expect(identifier).toBe(buildMeterEvents([usage(long)], { aggregation: 'per_call' }).drafts[0]!.event.identifier);
  });

  it('refuses amounts that are not whole numbers of interactions', () => {
    for (const amount of [1.5, -1, Number.NaN]) {
      expect(() => buildMeterEvents([usage('chg', { amount })], { aggregation: 'per_call' })).toThrow(TollgateError);
    }
  });
});

describe('summed per minute per (customer, event name)', () => {
  it('sums a minute’s charges and refunds into one event at the minute’s start', () => {
    const plan = buildMeterEvents(
      [
        usage('a', { atMs: T0 + 5_000, amount: 4 }),
        usage('b', { atMs: T0 + 59_999, amount: 1 }),
        usage('a', { atMs: T0 + 6_000, amount: 4, kind: 'refund' }),
        usage('c', { atMs: T0 + MINUTE, amount: 2 }),
        usage('d', { atMs: T0 + 10, amount: 7, type: 'premium' }),
        usage('e', { atMs: T0 + 10, amount: 9, customerId: 'cus_B' }),
      ],
      { aggregation: 'per_minute' },
    );
    const seen = plan.drafts.map((d) => [d.event.payload.stripe_customer_id, d.event.event_name, d.event.timestamp, d.event.payload.value, d.chargeIds]);
    expect(seen).toEqual([
      ['cus_A', 'tollgate_mini', T0 / 1000, '1', ['a', 'b', 'a']],
      ['cus_A', 'tollgate_mini', T0 / 1000 + 60, '2', ['c']],
      ['cus_A', 'tollgate_premium', T0 / 1000, '7', ['d']],
      ['cus_B', 'tollgate_mini', T0 / 1000, '9', ['e']],
    ]);
    for (const draft of plan.drafts) expect(draft.event.identifier).toMatch(/^tgm_\d+_[A-Za-z0-9_-]{32}$/);
  });

  it('a minute whose charges and refunds cancel out needs no event', () => {
    const plan = buildMeterEvents([usage('a'), usage('a', { kind: 'refund' })], { aggregation: 'per_minute' });
    expect(plan.drafts).toEqual([]);
    expect(plan.noEventNeeded).toEqual(['a', 'a']);
  });

  it('the identifier is the same for the same members in any order, and another for other members of that minute', () => {
    const members = [usage('a'), usage('b'), usage('c')];
    const id = (list: MeteredUsage[]) => buildMeterEvents(list, { aggregation: 'per_minute' }).drafts[0]!.event.identifier;
    expect(id([...members].reverse())).toBe(id(members));
    expect(id([usage('d')])).not.toBe(id(members));
    expect(id([usage('a', { customerId: 'cus_B' })])).not.toBe(id([usage('a')]));
  });

  it('property: per minute sums to what per call sends, per customer and event name', () => {
    const item = fc.record({
      chargeId: fc.uuid(),
      kind: fc.constantFrom('charge' as const, 'refund' as const),
      atMs: fc.integer({ min: T0, max: T0 + 10 * MINUTE }),
      customerId: fc.constantFrom('cus_A', 'cus_B', 'cus_C'),
      type: fc.constantFrom('mini' as const, 'premium' as const),
      amount: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 80 }), (list) => {
        const totals = (aggregation: 'per_call' | 'per_minute') => {
          const sums = new Map<string, number>();
          for (const { event } of buildMeterEvents(list, { aggregation }).drafts) {
            const key = `${event.payload.stripe_customer_id}/${event.event_name}`;
            sums.set(key, (sums.get(key) ?? 0) + Number(event.payload.value));
          }
          return Object.fromEntries([...sums].filter(([, sum]) => sum !== 0).sort());
        };
        expect(totals('per_minute')).toEqual(totals('per_call'));
        // Each usage lands in exactly one draft or in noEventNeeded.
        const plan = buildMeterEvents(list, { aggregation: 'per_minute' });
        const covered = [...plan.drafts.flatMap((d) => d.chargeIds), ...plan.noEventNeeded].sort();
        expect(covered).toEqual(list.map((u) => u.chargeId).sort());
        const identifiers = plan.drafts.map((d) => d.event.identifier);
        expect(new Set(identifiers).size).toBe(identifiers.length);
      }),
    );
  });
});

describe('the v2 stream form', () => {
  it('is the same event with the timestamp as an ISO 8601 instant', () => {
    const [draft] = buildMeterEvents([usage('chg_1')], { aggregation: 'per_call' }).drafts;
    expect(toStreamEvent(draft!.event)).toEqual({
      event_name: DEFAULT_METER_EVENT_NAMES.mini,
      identifier: 'tgc_chg_1',
      timestamp: '2026-11-15T12:00:01.000Z',
      payload: { stripe_customer_id: 'cus_A', value: '4' },
    });
  });
});
