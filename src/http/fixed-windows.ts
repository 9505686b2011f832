import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/ports.js';

export interface FixedWindow {
  readonly startedAt: number;
  count: number;
}

export type FixedWindows = ReturnType<typeof createFixedWindows>;

/**
 * Counts per id in fixed windows that each begin at their first count, in this process; past
 * maxTracked ids the least recently used are forgotten, so an attacker naming endless ids costs
 * bounded memory.
 */
export function createFixedWindows(clock: Clock, options: { readonly windowMs: number; readonly maxTracked: number }) {
  const windows = new LRUCache<string, FixedWindow>({ max: options.maxTracked });
  const live = (id: string): FixedWindow | undefined => {
    const window = windows.get(id);
    if (window && clock.now() - window.startedAt >= options.windowMs) {
      windows.delete(id);
      return undefined;
    }
    return window;
  };
  return {
    live,
    add(id: string): FixedWindow {
      const window = live(id);
      if (window) {
        window.count += 1;
        return window;
      }
      const started = { startedAt: clock.now(), count: 1 };
      windows.set(id, started);
      return started;
    },
    /** Milliseconds until `window` ends. */
    remainingMs: (window: FixedWindow) => window.startedAt + options.windowMs - clock.now(),
    size: () => windows.size,
  };
}
