import { describe, expect, it } from 'vitest';
import { evaluateSlidingWindow, evaluateWindows, findRefusingLine } from '../../src/core/charge-rules.js';

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

describe('several minute windows', () => {
  const W = 60_000;
  const at = 7 * W + 15_000;
  const organization = { limit: 10, windowMs: W };
  const namespace = { limit: 4, windowMs: W };

  it('a call without windows has no verdict', () => {
    expect(evaluateWindows([], [], at)).toBeNull();
  });

  it('allows a call only when every window has room, and reports the one with the fewest calls left', () => {
    expect(evaluateWindows([organization, namespace], [5, 0, 1, 0], at)).toMatchObject({ allowed: true, told: 1, verdict: { limit: 4, remaining: 2 } });
    expect(evaluateWindows([organization, namespace], [8, 0, 1, 0], at)).toMatchObject({ allowed: true, told: 0, verdict: { limit: 10, remaining: 1 } });
    // A tie goes to the first.
    expect(evaluateWindows([organization, { limit: 7, windowMs: W }], [5, 0, 2, 0], at)).toMatchObject({ told: 0 });
    expect(evaluateWindows([organization, namespace], [10, 0, 1, 0], at)).toMatchObject({ allowed: false, told: 0, verdict: { allowed: false } });
    expect(evaluateWindows([organization, namespace], [5, 0, 4, 0], at)).toMatchObject({ allowed: false, told: 1, verdict: { allowed: false } });
  });

  it('of two full windows, reports the one that frees last, so that a retry after it passes both', () => {
    // The namespace's window is full of this minute's calls, the organization's of the last minute's, which fade sooner.
    const counts = [0, 14, 4, 0];
    const both = evaluateWindows([organization, namespace], counts, at)!;
    expect(both).toMatchObject({ allowed: false, told: 1 });
    const alone = [0, 1].map((i) => evaluateSlidingWindow([organization, namespace][i]!.limit, W, { current: counts[2 * i]!, previous: counts[2 * i + 1]! }, at));
    expect(alone.every((v) => !v.allowed)).toBe(true);
    expect(both.verdict.retryAfterMs).toBe(Math.max(...alone.map((v) => v.retryAfterMs)));
    // The retry falls in the next fixed window: this minute's counts become the previous ones.
    const retryAt = at + both.verdict.retryAfterMs;
    expect(retryAt).toBeGreaterThan(8 * W);
    expect(evaluateWindows([organization, namespace], [0, 0, 0, 4], retryAt)!.allowed).toBe(true);
    expect(evaluateWindows([organization, namespace], [0, 0, 0, 4], retryAt - 1)!.allowed).toBe(false);
    expect(evaluateWindows([namespace, organization], counts.slice(2).concat(counts.slice(0, 2)), at)).toMatchObject({ told: 0 });
  });
});
