import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harnesses.js';
import { counter, useWorld } from './context.js';

export function idempotencySuite(h: StoreHarness): void {
  describe(`${h.name}: idempotency`, () => {
    const world = useWorld(h);

    it('100 retries with one key → one charge, the same decision', async () => {
      const w = world();
      const { context } = await w.tenant();
      const first = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'order-42' });
      const retries = [];
      for (let i = 0; i < 50; i++) retries.push(await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'order-42' }));
      retries.push(...(await Promise.all(Array.from({ length: 50 }, () => w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'order-42' })))));
      expect(retries).toHaveLength(100);
      const strip = (d: typeof first) => ({ ...d, replayed: undefined, receipt: undefined });
      for (const retry of retries) {
        expect(retry).toMatchObject({ allowed: true, replayed: true, receipt: null });
        expect(strip(retry)).toEqual(strip(first));
      }
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
      const [record] = await w.store.log.interactions({ organizationId: context.organization.id });
      expect(record).toMatchObject({ count: 4, calls: 1 });
    });

    it('100 concurrent first tries with one key → one charge', async () => {
      const w = world();
      const { context } = await w.tenant();
      const decisions = await Promise.all(Array.from({ length: 100 }, () => w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'burst' })));
      expect(decisions.filter((d) => d.allowed && !d.replayed)).toHaveLength(1);
      expect(decisions.every((d) => d.allowed)).toBe(true);
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });

    it('the same key on a different request is a conflict and charges nothing', async () => {
      const w = world();
      const { context } = await w.tenant();
      await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'k1' });
      const conflict = await w.meter.charge(context, 'search_v1', { idempotencyKey: 'k1' });
      expect(conflict).toMatchObject({ allowed: false, status: 409, error: { code: 'IDEMPOTENCY_CONFLICT' } });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });

    it('a fingerprint holding newlines, backslashes or NULs replays and conflicts like any other', async () => {
      const w = world();
      const { context } = await w.tenant();
      const odd = 'line\nbreak \\ and \0 nul';
      const first = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'odd', fingerprint: odd });
      const again = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'odd', fingerprint: odd });
      expect(first).toMatchObject({ allowed: true, replayed: false });
      expect(again).toMatchObject({ allowed: true, replayed: true, receipt: null });
      expect({ ...again, replayed: undefined, receipt: undefined }).toEqual({ ...first, replayed: undefined, receipt: undefined });
      const other = await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'odd', fingerprint: 'line\nbreak \\ and \0 nul!' });
      expect(other).toMatchObject({ allowed: false, status: 409 });
      expect(await counter(w, 'organization', context.organization.id)).toBe(4);
    });

    it('keys are per API key, and expire after 24 hours', async () => {
      const w = world();
      const a = await w.tenant();
      const b = await w.key(a.context.organization.id, a.context.namespace!.id);
      await w.meter.charge(a.context, 'add_memory_v1', { idempotencyKey: 'shared' });
      expect(await w.meter.charge(b.context, 'add_memory_v1', { idempotencyKey: 'shared' })).toMatchObject({ replayed: false });
      w.clock.advance(24 * 60 * 60 * 1000 - 1);
      expect(await w.meter.charge(a.context, 'add_memory_v1', { idempotencyKey: 'shared' })).toMatchObject({ replayed: true });
      w.clock.advance(1);
      expect(await w.meter.charge(a.context, 'add_memory_v1', { idempotencyKey: 'shared' })).toMatchObject({ replayed: false });
      expect(await counter(w, 'organization', a.context.organization.id)).toBe(12);
    });
  });
}
