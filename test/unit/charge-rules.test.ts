import { describe, expect, it } from 'vitest';
import { evaluateSlidingWindow, findRefusingLine } from '../../src/core/charge-rules.js';

describe('multi-scope check', () => {
  it('allows a call that lands exactly on the limit and refuses one past it', () => {
    expect(findRefusingLine([{ amount: 4, limit: 10 }], [6])).toBe(-1);
    expect(findRefusingLine([{ amount: 4, limit: 10 }], [7])).toBe(0);
  });
  it('names the first scope that refuses, and ignores unlimited counters and releases', () => {
    const lines = [
      { amount: 4, limit: null },
      { amount: 4, limit: 100 },
      { amount: 4, limit: 5 },
    ];
    expect(findRefusingLine(lines, [1e9, 97, 5])).toBe(1);
    expect(findRefusingLine([{ amount: -3, limit: 1 }], [10])).toBe(-1);
    expect(findRefusingLine([{ amount: 0, limit: 0 }], [0])).toBe(-1);
  });
});

describe('sliding minute window', () => {
  const W = 60_000;
  it('the 11th call of a fresh minute with a limit of 10 is refused', () => {
    const at = 5 * W + 1000;
    expect(evaluateSlidingWindow(10, W, { current: 9, previous: 0 }, at)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = evaluateSlidingWindow(10, W, { current: 10, previous: 0 }, at);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    // The refused caller is told to come back when the next window has started and the previous
    // minute's 10 calls have faded enough for one more.
    const retryAt = at + refused.retryAfterMs;
    expect(retryAt).toBeGreaterThan(6 * W);
    expect(evaluateSlidingWindow(10, W, { current: 0, previous: 10 }, retryAt).allowed).toBe(true);
    expect(evaluateSlidingWindow(10, W, { current: 0, previous: 10 }, 6 * W).allowed).toBe(false);
  });

  it('retry-after points at the first instant a call passes', () => {
    const at = 10 * W + 30_000;
    const counts = { current: 6, previous: 10 };
    const verdict = evaluateSlidingWindow(10, W, counts, at);
    expect(verdict.allowed).toBe(false);
    expect(evaluateSlidingWindow(10, W, counts, at + verdict.retryAfterMs).allowed).toBe(true);
    expect(evaluateSlidingWindow(10, W, counts, at + verdict.retryAfterMs - 2).allowed).toBe(false);
  });
});
