import { describe, expect, it } from 'vitest';
import { storedBytes, UNLIMITED_HOLDINGS } from '../../../src/core/holdings.js';
import type { MemoryRecord } from '../../../src/stores/contract/index.js';
import type { StoreHarness } from '../harnesses.js';
import { useWorld } from './context.js';

let n = 0;
const memory = (namespaceId: string, content: string, padding: number, createdAt: number): MemoryRecord => {
  const metadata = { padding: 'p'.repeat(padding) };
  return {
    id: `mem_search_${Date.now()}_${n++}`,
    organizationId: 'org_search',
    namespaceId,
    content,
    type: 'text',
    metadata,
    externalUserId: null,
    userId: null,
    extra: {},
    bytes: storedBytes({ content, metadata, extra: {} }),
    createdAt,
    updatedAt: createdAt,
  };
};

/** What the contract says a search with maxBytes returns of the whole ranking from its offset. */
function expectedWindow(ranking: readonly MemoryRecord[], maxBytes: number): string[] {
  const kept: string[] = [];
  let before = 0;
  for (const m of ranking) {
    if (kept.length >= 2 && before > maxBytes) break;
    kept.push(m.id);
    before += m.bytes;
  }
  return kept;
}

export function memorySearchSuite(h: StoreHarness): void {
  describe(`${h.name}: memory search windows`, () => {
    const world = useWorld(h);

    it('offsets page through one fixed ranking, ties included, each match exactly once', async () => {
      const { store } = world();
      const ns = `ns_search_${n++}_${Math.random()}`;
      // Equal content ranks equal: the order among ties must still be fixed for paging.
      const tied = Array.from({ length: 9 }, (_, i) => memory(ns, 'weekly planning notes', 10 * i, 100 + (i % 3)));
      const better = memory(ns, 'planning planning notes about weekly planning', 0, 50);
      await store.memories.insert([...tied, better], UNLIMITED_HOLDINGS);
      const all = (await store.memories.search(ns, { text: 'weekly planning notes', limit: 100 })).map((m) => m.memory.id);
      expect(all).toHaveLength(10);
      expect(await store.memories.search(ns, { text: 'weekly planning notes', limit: 100 }).then((r) => r.map((m) => m.memory.id))).toEqual(all);
      for (const size of [1, 3, 4]) {
        const paged: string[] = [];
        for (let offset = 0; offset < 12; offset += size) {
          paged.push(...(await store.memories.search(ns, { text: 'weekly planning notes', limit: size, offset })).map((m) => m.memory.id));
        }
        expect(paged).toEqual(all);
      }
    });

    it('maxBytes: a match comes while those before it take at most maxBytes, and the first two always', async () => {
      const { store } = world();
      const ns = `ns_search_${n++}_${Math.random()}`;
      const records = Array.from({ length: 8 }, (_, i) => memory(ns, 'budget review', 100 + 37 * i, 10 + i));
      await store.memories.insert(records, UNLIMITED_HOLDINGS);
      const ranked = await store.memories.search(ns, { text: 'budget review', limit: 100 });
      const ranking = ranked.map((m) => m.memory);
      expect(ranking).toHaveLength(8);
      const byId = new Map(ranking.map((m) => [m.id, m]));
      for (const offset of [0, 3, 7]) {
        const rest = ranking.slice(offset);
        for (const maxBytes of [0, 1, rest[0]!.bytes - 1, rest[0]!.bytes, rest[0]!.bytes + rest[1 % rest.length]!.bytes, 1_000, 1_000_000]) {
          const found = await store.memories.search(ns, { text: 'budget review', limit: 6, offset, maxBytes });
          expect(found.map((m) => m.memory.id), `offset ${offset}, maxBytes ${maxBytes}`).toEqual(expectedWindow(rest.slice(0, 6), maxBytes));
          for (const m of found) expect(m.memory).toEqual(byId.get(m.memory.id));
        }
      }
    });
  });
}
