import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLD_PERCENTS,
  findThresholdCrossings,
  parseThresholdPercents,
  thresholdLinesOf,
  thresholdPoint,
  type ChargeFigures,
  type ThresholdCrossing,
  type ThresholdLine,
} from '../../src/billing/thresholds.js';
import { TollgateError } from '../../src/core/errors.js';
import type { ChargeRequest } from '../../src/stores/contract/index.js';

const AT = Date.parse('2026-11-15T12:00:00.000Z');

function charge(lines: ThresholdLine[], overrides: Partial<ChargeFigures> = {}): ChargeFigures {
  return { chargeId: 'chg_1', organizationId: 'org_1', operation: 'add_memory_v1', periodKey: '2026-11', atMs: AT, lines, ...overrides };
}

function orgLine(usedBefore: number, usedAfter: number, limit: number | null = 1000): ThresholdLine {
  return { scope: 'organization', scopeId: 'org_1', type: 'mini', usedBefore, usedAfter, limit };
}

const percentsOf = (crossings: ThresholdCrossing[]) => crossings.map((c) => c.thresholdPercent);

describe('threshold points: the least counter value at or past the percentage, exactly', () => {
  it('are ceil(limit × percent / 100) with no float error', () => {
    expect(thresholdPoint(1000, 80)).toBe(800);
    expect(thresholdPoint(7, 95)).toBe(7); // 6.65
    expect(thresholdPoint(100, 7)).toBe(7); // 0.07 × 100 is 7.000000000000001 in floats
    expect(thresholdPoint(3, 33.33)).toBe(1);
    expect(thresholdPoint(3, 33.34)).toBe(2); // 1.0002
    expect(thresholdPoint(2_500, 120)).toBe(3_000);
    expect(thresholdPoint(9_007_199_254_740, 99.99)).toBe(9_006_298_534_815); // past safe integers: BigInt
  });

  it('agree with the definition for random limits and percentages', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (limit, basisPoints) => {
        const percent = basisPoints / 100;
        const point = thresholdPoint(limit, percent);
        // point × 10,000 >= limit × basisPoints > (point − 1) × 10,000, in exact integers
        expect(BigInt(point) * 10_000n >= BigInt(limit) * BigInt(basisPoints)).toBe(true);
        expect(BigInt(point - 1) * 10_000n < BigInt(limit) * BigInt(basisPoints)).toBe(true);
      }),
    );
  });
});

describe('crossings of one charge', () => {
  it('the charge that reaches the point exactly crosses; the one before and the one after do not', () => {
    expect(findThresholdCrossings(charge([orgLine(798, 799)]))).toEqual([]);
    const [crossing, ...rest] = findThresholdCrossings(charge([orgLine(799, 800)]));
    expect(rest).toEqual([]);
    expect(crossing).toEqual({
      dedupKey: 'usage.threshold:2026-11:organization:org_1:mini:80',
      chargeId: 'chg_1',
      organizationId: 'org_1',
      operation: 'add_memory_v1',
      periodKey: '2026-11',
      atMs: AT,
      scope: 'organization',
      scopeId: 'org_1',
      type: 'mini',
      thresholdPercent: 80,
      point: 800,
      usedBefore: 799,
      used: 800,
      limit: 1000,
      percentUsed: 80,
    });
    expect(findThresholdCrossings(charge([orgLine(800, 801)]))).toEqual([]);
  });

  it('one charge can cross several thresholds, in ascending order, with the figures of that charge', () => {
    const crossings = findThresholdCrossings(charge([orgLine(790, 1004)]));
    expect(percentsOf(crossings)).toEqual([80, 95, 100]);
    expect(crossings.map((c) => [c.point, c.used, c.percentUsed])).toEqual([
      [800, 1004, 100.4],
      [950, 1004, 100.4],
      [1000, 1004, 100.4],
    ]);
  });

  it('every scope and type is judged on its own line, each with its own key', () => {
    const crossings = findThresholdCrossings(
      charge([
        orgLine(10, 14, 1000),
        { scope: 'namespace', scopeId: 'ns_1', type: 'mini', usedBefore: 76, usedAfter: 80, limit: 100 },
        { scope: 'api_key', scopeId: 'key_1', type: 'mini', usedBefore: 3, usedAfter: 7, limit: 7 },
      ]),
    );
    expect(crossings.map((c) => `${c.scope}:${c.thresholdPercent}`)).toEqual(['namespace:80', 'api_key:80', 'api_key:95', 'api_key:100']);
    expect(new Set(crossings.map((c) => c.dedupKey)).size).toBe(4);
  });

  it('thresholds above 100 % for metered overage, and any percentages given', () => {
    const percents = parseThresholdPercents([150, 50, 100, 200, 150], 'thresholds');
    expect(percents).toEqual([50, 100, 150, 200]);
    expect(percentsOf(findThresholdCrossings(charge([orgLine(1_400, 1_600)]), percents))).toEqual([150]);
    expect(percentsOf(findThresholdCrossings(charge([orgLine(0, 2_000)]), percents))).toEqual([50, 100, 150, 200]);
  });

  it('nothing to cross: an unlimited line, a zero limit, a zero-cost call, a refund', () => {
    expect(findThresholdCrossings(charge([orgLine(799, 800, null)]))).toEqual([]);
    expect(findThresholdCrossings(charge([orgLine(0, 5, 0)]))).toEqual([]);
    expect(findThresholdCrossings(charge([orgLine(800, 800)]))).toEqual([]);
    expect(findThresholdCrossings(charge([orgLine(801, 799)]))).toEqual([]);
  });

  it('teetering: a refund below the point and a charge across it again gives the same key, so the outbox sends once', () => {
    const first = findThresholdCrossings(charge([orgLine(799, 800)], { chargeId: 'chg_a' }));
    const again = findThresholdCrossings(charge([orgLine(799, 800)], { chargeId: 'chg_c' }));
    expect(again.map((c) => c.dedupKey)).toEqual(first.map((c) => c.dedupKey));
    const nextMonth = findThresholdCrossings(charge([orgLine(799, 800)], { periodKey: '2026-12' }));
    expect(nextMonth[0]!.dedupKey).not.toBe(first[0]!.dedupKey);
  });
});

describe('property: on one counter, whatever the order of charges and refunds', () => {
  type Step = { kind: 'charge'; amount: number } | { kind: 'refund'; pick: number };
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('charge' as const), amount: fc.integer({ min: 0, max: 40 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat() }) },
  );

  /** Runs the steps as a store serialises them; returns every crossing and the outbox kept by dedup key. */
  function run(limit: number, percents: readonly number[], steps: readonly Step[]) {
    let used = 0;
    let highest = 0;
    const granted: number[] = [];
    const crossings: ThresholdCrossing[] = [];
    const outbox = new Map<string, ThresholdCrossing>();
    steps.forEach((s, index) => {
      const amount = s.kind === 'charge' ? s.amount : (granted.splice(s.pick % Math.max(granted.length, 1), 1)[0] ?? 0);
      const before = used;
      used = s.kind === 'charge' ? used + amount : used - amount;
      if (s.kind === 'charge') granted.push(amount);
      highest = Math.max(highest, used);
      const found = findThresholdCrossings(charge([orgLine(before, used, limit)], { chargeId: `chg_${index}` }), percents);
      crossings.push(...found);
      for (const c of found) if (!outbox.has(c.dedupKey)) outbox.set(c.dedupKey, c);
    });
    return { crossings, outbox, highest };
  }

  it('every crossing has used-after >= its point > used-before, and the outbox holds one event per threshold reached', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.uniqueArray(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 5 }), fc.array(step, { maxLength: 60 }), (limit, percents, steps) => {
        const sorted = [...percents].sort((a, b) => a - b);
        const { crossings, outbox, highest } = run(limit, sorted, steps);
        for (const c of crossings) {
          expect(c.used).toBeGreaterThanOrEqual(c.point);
          expect(c.usedBefore).toBeLessThan(c.point);
        }
        const reached = sorted.filter((p) => highest >= thresholdPoint(limit, p));
        expect([...outbox.values()].map((c) => c.thresholdPercent).sort((a, b) => a - b)).toEqual(reached);
        // The event kept is the first charge's: what receivers hear is the moment it was first crossed.
        for (const kept of outbox.values()) {
          const firstOfKey = crossings.find((c) => c.dedupKey === kept.dedupKey);
          expect(kept).toBe(firstOfKey);
        }
      }),
    );
  });

  it('without refunds (concurrent charges in any serial order) each threshold is crossed by exactly one charge, no dedup needed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }), (limit, amounts) => {
        const { crossings, highest } = run(
          limit,
          DEFAULT_THRESHOLD_PERCENTS,
          amounts.map((amount) => ({ kind: 'charge', amount })),
        );
        const expected = DEFAULT_THRESHOLD_PERCENTS.filter((p) => highest >= thresholdPoint(limit, p));
        expect(crossings.map((c) => c.thresholdPercent)).toEqual(expected);
      }),
    );
  });
});

describe('thresholdLinesOf: lines from the charge request and the counters the store returned', () => {
  const request = {
    lines: [
      { counter: { scope: 'organization', scopeId: 'org_1', metric: 'premium', period: '2026-11' }, amount: 3, limit: null },
      { counter: { scope: 'namespace', scopeId: 'ns_1', metric: 'premium', period: '2026-11' }, amount: 3, limit: 200 },
      { counter: { scope: 'namespace', scopeId: 'ns_1', metric: 'active_memories', period: 'lifetime' }, amount: 1, limit: 50 },
    ],
  } as unknown as ChargeRequest;

  it('takes used before = after − amount, the line limit, or the included amount where the ledger has none', () => {
    expect(thresholdLinesOf(request, [400, 160, 41], [500, null, null])).toEqual([
      { scope: 'organization', scopeId: 'org_1', type: 'premium', usedBefore: 397, usedAfter: 400, limit: 500 },
      { scope: 'namespace', scopeId: 'ns_1', type: 'premium', usedBefore: 157, usedAfter: 160, limit: 200 },
    ]);
    expect(thresholdLinesOf(request, [400, 160, 41])[0]!.limit).toBeNull();
  });
});

describe('parseThresholdPercents', () => {
  it('names every bad value with its path', () => {
    expect(() => parseThresholdPercents([], 'plans.growth.thresholds')).toThrow(/plans\.growth\.thresholds: a non-empty list/);
    try {
      parseThresholdPercents([80, 0, -5, 95.555, 'x', 10_001, Number.NaN], 'org.thresholds');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).code).toBe('CONFIG_INVALID');
      expect((error as TollgateError).details.problems).toHaveLength(6);
      expect((error as TollgateError).message).toContain('org.thresholds[1]');
    }
    expect(parseThresholdPercents([99.5, 80], 't')).toEqual([80, 99.5]);
  });
});
