import type { Clock } from '../../src/core/ports.js';

export interface ManualClock extends Clock {
  set(ms: number | string): void;
  advance(ms: number): void;
}

export function manualClock(start: number | string = '2026-11-15T12:00:00.000Z'): ManualClock {
  let now = typeof start === 'string' ? Date.parse(start) : start;
  return {
    now: () => now,
    set(ms) {
      now = typeof ms === 'string' ? Date.parse(ms) : ms;
    },
    advance(ms) {
      now += ms;
    },
  };
}
