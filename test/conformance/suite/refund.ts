import { describe, expect, it } from 'vitest';
import { dayOf } from '../../../src/core/periods.js';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

export function refundSuite(h: StoreHarness): void {
  describe(`${h.name}: refund`, () => {
    const world = useWorld(h);

    it('gives back counters, the Interaction record and the rollup, once', async () => {
      const w = world();
      const { context } = await w.tenant();
      await w.meter.charge(context, 'add_memory_v1');
      const failed = await w.meter.charge(context, 'add_memory_v1');
      expect(await counter(w, 'organization', context.organization.id)).toBe(8);
      if (!failed.allowed || !failed.receipt) throw new Error('expected a granted charge');
      await w.meter.refund(failed);
      await w.meter.refund(failed);
      // The store itself also refuses to refund a charge twice (another process may try).
      await w.store.ledger.refund(failed.receipt);
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
      expect(await counter(w, 'namespace', context.namespace!.id)).toBe(4);
      expect(await counter(w, 'api_key', context.apiKey.id)).toBe(4);
      const [record] = await w.store.log.interactions({ organizationId: context.organization.id });
      expect(record).toMatchObject({ count: 4, calls: 1 });
      const day = dayOf(w.clock.now());
      const [rollup] = await w.store.log.rollups({ organizationId: context.organization.id, fromDay: day, toDay: day });
      expect(rollup).toMatchObject({ count: 4, calls: 1, refunded: 1 });
    });

    it('a refunded call frees its room under the limit', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      const failed = await w.meter.charge(context, 'add_memory_v1');
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(false);
      await w.meter.refund(failed);
      expect((await w.meter.charge(context, 'add_memory_v1')).allowed).toBe(true);
    });

    it('after a refund, a retry with the same Idempotency-Key runs again', async () => {
      const w = world();
      const { context } = await w.tenant();
      const first = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'retry-me' });
      await w.meter.refund(first);
      const retry = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'retry-me' });
      expect(retry).toMatchObject({ allowed: true, replayed: false });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });

    it('nothing to refund for a refusal or a replay', async () => {
      const w = world();
      const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 4 } } });
      await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'k' });
      const replay = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'k' });
      const refused = await w.meter.charge(context, 'add_memory_v1');
      await w.meter.refund(replay);
      await w.meter.refund(refused);
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });
  });
}
