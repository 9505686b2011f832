import { describe, expect, it } from 'vitest';
import { createMeterEventSessionCache, SESSION_RENEWAL_MARGIN_MS } from '../../src/billing/meter-event-session.js';
import { manualClock } from '../support/clock.js';

const FIFTEEN_MINUTES = 15 * 60_000;

function counting(clock: ReturnType<typeof manualClock>, fail = false) {
  let created = 0;
  const create = async () => {
    created += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (fail && created === 1) throw new Error('session refused');
    return { token: `tok_${created}`, expiresAtMs: clock.now() + FIFTEEN_MINUTES };
  };
  return { create, created: () => created };
}

describe('meter event session tokens', () => {
  it('concurrent senders share one session creation', async () => {
    const clock = manualClock();
    const sessions = counting(clock);
    const cache = createMeterEventSessionCache(sessions.create, clock);
    const tokens = await Promise.all([cache.token(), cache.token(), cache.token()]);
    expect(tokens).toEqual(['tok_1', 'tok_1', 'tok_1']);
    expect(sessions.created()).toBe(1);
  });

  it('renews once less than the margin is left, or when invalidated', async () => {
    const clock = manualClock();
    const sessions = counting(clock);
    const cache = createMeterEventSessionCache(sessions.create, clock);
    await cache.token();
    clock.advance(FIFTEEN_MINUTES - SESSION_RENEWAL_MARGIN_MS - 1);
    expect(await cache.token()).toBe('tok_1');
    clock.advance(1);
    expect(await cache.token()).toBe('tok_2');
    cache.invalidate();
    expect(await cache.token()).toBe('tok_3');
  });

  it('a failed creation is not kept: the next call tries again', async () => {
    const clock = manualClock();
    const sessions = counting(clock, true);
    const cache = createMeterEventSessionCache(sessions.create, clock);
    await expect(cache.token()).rejects.toThrow('session refused');
    expect(await cache.token()).toBe('tok_2');
  });
});
