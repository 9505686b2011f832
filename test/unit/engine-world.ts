/** The RAM-store world the engine-*.test.ts files share, closed after each test. */
import { afterEach } from 'vitest';
import type { Subscription } from '../../src/core/tenants.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { manualClock } from '../support/clock.js';
import { subscriptionOf } from '../support/subscription.js';
import { createWorld, type World } from '../support/world.js';

const open: { close(): Promise<void> }[] = [];

/** Closes what a test opened; call once per file (registers afterEach). */
export function closeAfterEach(): void {
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });
}

/** Something to close after the current test. */
export function closeLater<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}

/** A world on a fresh RAM store with a manual clock at `start`. */
export async function ramWorld(start = '2026-11-15T12:00:00.000Z'): Promise<World> {
  const clock = manualClock(start);
  return closeLater(await createWorld(createRamStore({ clock }), { clock }));
}

/** An active developer subscription, with what a test changes. */
export const subscription = (s: Partial<Subscription> = {}): Subscription => subscriptionOf({ tier: 'developer', ...s });
