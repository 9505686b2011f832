import { afterEach, beforeEach } from 'vitest';
import { periodOf } from '../../../src/core/periods.js';
import type { Metric, ScopeKind } from '../../../src/stores/contract/index.js';
import { manualClock } from '../../support/clock.js';
import { createWorld, type World } from '../../support/world.js';
import type { StoreHarness } from '../harnesses.js';

/** A fresh world (store, meter, tenancy, clock) for each test of a suite. */
export function useWorld(h: StoreHarness, options: Parameters<typeof createWorld>[1] = {}): () => World {
  let world: World | null = null;
  beforeEach(async () => {
    const clock = options.clock ?? manualClock();
    world = await createWorld(await h.create(clock), { ...options, clock });
  });
  afterEach(async () => {
    await world?.close();
    world = null;
  });
  return () => world!;
}

/** A counter's value in the current period of the world's clock. */
export async function counter(w: World, scope: ScopeKind, scopeId: string, metric: Metric = 'mini', period?: string): Promise<number> {
  const [value] = await w.store.ledger.readCounters([{ scope, scopeId, metric, period: period ?? periodOf(w.clock.now()).key }]);
  return value!;
}
