import { addHoldings, findHoldingRefusal, negateHoldings, NO_HOLDINGS, type Holdings } from '../../core/holdings.js';
import type { FeedbackRecord, FeedbackRepository, MemoryRecord, MemoryRepository } from '../contract/index.js';
import { holdingsDelta, oneOwnerOf } from '../shared/holdings-delta.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import type { RamHoldings } from './ram-holdings.js';
import { searchTerms } from '../shared/search-terms.js';
import { withinSearchBytes } from '../shared/search-window.js';

/** Memories in a Map; search scores by how many query words a memory contains. */
export function createRamMemories(holdings: RamHoldings): MemoryRepository {
  const memories = new Map<string, MemoryRecord>();
  const { heldBy, move } = holdings;
  const inNamespace = (namespaceId: string, id: string) => {
    const m = memories.get(id);
    return m && m.namespaceId === namespaceId ? m : null;
  };
  return {
    async insert(records, limits) {
      const owner = oneOwnerOf(records);
      if (!owner) return { outcome: 'inserted' };
      const delta = holdingsDelta(records, 'memories');
      const refusal = findHoldingRefusal(heldBy(owner), delta, limits);
      if (refusal) return { outcome: 'refused', refusal };
      for (const m of records) memories.set(m.id, m);
      move(owner, delta);
      return { outcome: 'inserted' };
    },
    get: async (namespaceId, id) => inNamespace(namespaceId, id),
    async update(namespaceId, id, patch, limits) {
      const before = inNamespace(namespaceId, id);
      if (!before) return { outcome: 'not_found' };
      const after = applyMemoryPatch(before, patch);
      const delta = { memories: 0, bytes: after.bytes - before.bytes };
      const refusal = findHoldingRefusal(heldBy(before), delta, limits);
      if (refusal) return { outcome: 'refused', refusal };
      memories.set(id, after);
      move(before, delta);
      return { outcome: 'updated', before, after };
    },
    async delete(namespaceId, id) {
      const found = inNamespace(namespaceId, id);
      if (!found) return null;
      memories.delete(id);
      move(found, { memories: -1, bytes: -found.bytes });
      return found;
    },
    async deleteAll(namespaceId, { externalUserId }) {
      let gone: Holdings = NO_HOLDINGS;
      for (const m of [...memories.values()]) {
        if (m.namespaceId !== namespaceId || (externalUserId !== undefined && m.externalUserId !== externalUserId)) continue;
        memories.delete(m.id);
        move(m, { memories: -1, bytes: -m.bytes });
        gone = addHoldings(gone, { memories: 1, bytes: m.bytes });
      }
      return gone;
    },
    holdings: async (scope, id) => holdings.of(scope, id),
    async search(namespaceId, { text, limit, offset = 0, maxBytes, externalUserId }) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      const ranked = [...memories.values()]
        .filter((m) => m.namespaceId === namespaceId && (externalUserId === undefined || m.externalUserId === externalUserId))
        .map((memory) => {
          const words = new Set(searchTerms(memory.content, Infinity));
          return { memory, score: terms.filter((t) => words.has(t)).length };
        })
        .filter((m) => m.score > 0)
        .sort((a, b) => b.score - a.score || a.memory.createdAt - b.memory.createdAt || (a.memory.id < b.memory.id ? -1 : 1))
        .slice(offset, offset + limit);
      return withinSearchBytes(ranked, maxBytes, (m) => m.memory.bytes);
    },
  };
}

export function createRamFeedback(holdings: RamHoldings): FeedbackRepository {
  const records = new Map<string, FeedbackRecord>();
  return {
    async insert(list, limits) {
      const owner = oneOwnerOf(list);
      if (!owner) return { outcome: 'inserted' };
      const delta = holdingsDelta(list, 'feedback');
      const refusal = findHoldingRefusal(holdings.heldBy(owner), delta, limits);
      if (refusal) return { outcome: 'refused', refusal };
      for (const r of list) records.set(r.id, r);
      holdings.move(owner, delta);
      return { outcome: 'inserted' };
    },
    async get(namespaceId, id) {
      const r = records.get(id);
      return r && r.namespaceId === namespaceId ? r : null;
    },
    async deleteAll(namespaceId) {
      let gone: Holdings = NO_HOLDINGS;
      for (const r of [...records.values()]) {
        if (r.namespaceId !== namespaceId) continue;
        records.delete(r.id);
        holdings.move({ organizationId: r.organizationId, namespaceId }, negateHoldings({ memories: 0, bytes: r.bytes }));
        gone = addHoldings(gone, { memories: 0, bytes: r.bytes });
      }
      return gone;
    },
  };
}
