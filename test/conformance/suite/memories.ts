import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../../src/stores/contract/index.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

let n = 0;
const memory = (namespaceId: string, content: string, patch: Partial<MemoryRecord> = {}): MemoryRecord => ({
  id: `mem_conformance_${Date.now()}_${n++}`,
  organizationId: 'org_x',
  namespaceId,
  content,
  type: 'text',
  metadata: { topics: ['t'] },
  externalUserId: null,
  userId: null,
  extra: {},
  bytes: Buffer.byteLength(content),
  createdAt: 1,
  updatedAt: 1,
  ...patch,
});

export function memoriesSuite(h: StoreHarness): void {
  describe(`${h.name}: memories`, () => {
    const world = useWorld(h);

    it('a memory is visible in its namespace only, for every method', async () => {
      const { store } = world();
      const ns = `ns_${n++}_${Math.random()}`;
      const other = `${ns}_other`;
      const m = memory(ns, 'The quarterly report is due on Friday');
      await store.memories.insert([m]);
      expect(await store.memories.get(ns, m.id)).toEqual(m);
      expect(await store.memories.get(other, m.id)).toBeNull();
      expect(await store.memories.update(other, m.id, { content: 'x', updatedAt: 2 })).toBeNull();
      expect(await store.memories.delete(other, m.id)).toBeNull();
      expect(await store.memories.search(other, { text: 'quarterly report', limit: 10 })).toEqual([]);
      expect(await store.memories.deleteAll(other, {})).toEqual({ count: 0, bytes: 0 });
      expect(await store.memories.get(ns, m.id)).toEqual(m);
    });

    it('full-text search ranks the better match first and ignores query syntax', async () => {
      const { store } = world();
      const ns = `ns_${n++}_${Math.random()}`;
      const both = memory(ns, 'Alice prefers dark mode in every editor she uses');
      const one = memory(ns, 'Bob likes the dark roast coffee');
      const none = memory(ns, 'Unrelated note about lunch');
      await store.memories.insert([both, one, none]);
      const found = await store.memories.search(ns, { text: 'dark MODE "OR" (editor*', limit: 10 });
      expect(found.map((f) => f.memory.id)).toEqual([both.id, one.id]);
      expect(found[0]!.score).toBeGreaterThan(found[1]!.score);
      expect(await store.memories.search(ns, { text: '!!!', limit: 10 })).toEqual([]);
    });

    it('update changes content and search sees it; delete and deleteAll report what went', async () => {
      const { store } = world();
      const ns = `ns_${n++}_${Math.random()}`;
      const a = memory(ns, 'first draft', { externalUserId: 'u1' });
      const b = memory(ns, 'second note', { externalUserId: 'u2' });
      const c = memory(ns, 'third note', { externalUserId: 'u2' });
      await store.memories.insert([a, b, c]);
      const updated = await store.memories.update(ns, a.id, { content: 'final version', bytes: 13, updatedAt: 5 });
      expect(updated).toMatchObject({ before: { content: 'first draft' }, after: { content: 'final version', bytes: 13, updatedAt: 5 } });
      expect((await store.memories.search(ns, { text: 'final', limit: 5 })).map((m) => m.memory.id)).toEqual([a.id]);
      expect(await store.memories.search(ns, { text: 'draft', limit: 5 })).toEqual([]);
      expect((await store.memories.search(ns, { text: 'note', limit: 5, externalUserId: 'u2' })).length).toBe(2);
      expect(await store.memories.delete(ns, a.id)).toMatchObject({ id: a.id });
      expect(await store.memories.deleteAll(ns, { externalUserId: 'u2' })).toEqual({ count: 2, bytes: b.bytes + c.bytes });
      expect(await store.memories.get(ns, b.id)).toBeNull();
    });

    it('feedback belongs to its organization', async () => {
      const { store } = world();
      const id = `fb_${n++}_${Math.random()}`;
      await store.feedback.insert([{ id, organizationId: 'org_a', namespaceId: null, searchId: 's1', userId: null, externalUserId: null, data: { feedbackType: 'thumbs_up' }, createdAt: 1 }]);
      expect(await store.feedback.get('org_a', id)).toMatchObject({ searchId: 's1', data: { feedbackType: 'thumbs_up' } });
      expect(await store.feedback.get('org_b', id)).toBeNull();
    });
  });
}
