import { describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../../../src/stores/contract/index.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

export const OPERATIONS = [
  ['add_memory_v1', 4],
  ['search_v1', 1],
  ['get_memory_v1', 1],
  ['get_sync_tiers', 3],
] as const;

export function attributionSuite(h: StoreHarness): void {
  describe(`${h.name}: attribution`, () => {
    const world = useWorld(h);

    it('3 keys in 2 namespaces with 4 operations: every sum by organization, namespace, key and operation is exact', async () => {
      const w = world();
      const a = await w.tenant();
      const org = a.context.organization;
      const nsB = await w.tenancy.createNamespace(org.id, { name: 'staging', environmentType: 'staging' });
      const b = await w.key(org.id, a.context.namespace!.id, { name: 'second key' });
      const c = await w.key(org.id, nsB.id, { name: 'staging key' });
      const keys = [a.context, b.context, c.context];

      const sent = { byKey: new Map<string, number>(), byNamespace: new Map<string, number>(), byOperation: new Map<string, number>(), total: 0 };
      const add = (map: Map<string, number>, k: string, v: number) => map.set(k, (map.get(k) ?? 0) + v);
      const calls: Promise<unknown>[] = [];
      for (let round = 0; round < 5; round++) {
        keys.forEach((context, k) => {
          OPERATIONS.forEach(([operation, cost], o) => {
            if ((round + k + o) % 3 === 0) return; // an uneven mix
            add(sent.byKey, context.apiKey.id, cost);
            add(sent.byNamespace, context.namespace!.id, cost);
            add(sent.byOperation, operation, cost);
            sent.total += cost;
            calls.push(w.meter.charge(context, operation).then((d) => expect(d.allowed).toBe(true)));
          });
        });
      }
      await Promise.all(calls);

      const records = await w.store.log.interactions({ organizationId: org.id });
      const sum = (rs: InteractionRecord[]) => rs.reduce((s, r) => s + r.count, 0);
      const group = (pick: (r: InteractionRecord) => string | null) => {
        const map = new Map<string, number>();
        for (const r of records) add(map, pick(r)!, r.count);
        return map;
      };
      expect(sum(records)).toBe(sent.total);
      expect(group((r) => r.apiKeyId)).toEqual(sent.byKey);
      expect(group((r) => r.namespaceId)).toEqual(sent.byNamespace);
      expect(group((r) => r.operation)).toEqual(sent.byOperation);
      // One record per distinct tuple, carrying every pointer.
      const tuples = new Set(records.map((r) => `${r.apiKeyId}/${r.operation}`));
      expect(tuples.size).toBe(records.length);
      for (const r of records) {
        expect(r).toMatchObject({ organizationId: org.id, workspaceId: org.workspaceId, subscriptionId: org.subscription.id, month: 11, year: 2026, type: 'mini' });
        expect(r.userId).toBe(org.ownerUserId);
      }
      // The filtered queries agree with the full list.
      expect(sum(await w.store.log.interactions({ namespaceId: nsB.id }))).toBe(sent.byNamespace.get(nsB.id));
      expect(sum(await w.store.log.interactions({ apiKeyId: b.context.apiKey.id, month: 11, year: 2026 }))).toBe(sent.byKey.get(b.context.apiKey.id));
    });

    it('a later call never overwrites the pointers of an earlier record', async () => {
      const w = world();
      const a = await w.tenant();
      const b = await w.key(a.context.organization.id, a.context.namespace!.id, { name: 'other' });
      await w.meter.charge(a.context, 'add_memory_v1');
      await w.meter.charge(b.context, 'search_v1');
      const records = await w.store.log.interactions({ organizationId: a.context.organization.id });
      const byKey = Object.fromEntries(records.map((r) => [r.apiKeyId, r.operation]));
      expect(byKey).toEqual({ [a.context.apiKey.id]: 'add_memory_v1', [b.context.apiKey.id]: 'search_v1' });
    });
  });
}
