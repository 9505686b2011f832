import { addHoldings, findHoldingRefusal, NO_HOLDINGS, type Holdings, type HoldingScope } from '../../core/holdings.js';
import type { FeedbackRecord, FeedbackRepository, MemoryRecord, MemoryRepository } from '../contract/index.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import { holdingsDelta, oneNamespaceOf } from '../shared/holdings-delta.js';
import { searchTerms } from '../shared/search-terms.js';

/** Memories in a Map; search scores by how many query words a memory contains. */
export function createRamMemories(): MemoryRepository {
  const memories = new Map<string, MemoryRecord>();
  const held = new Map<string, Holdings>();
  const holdingsOf = (scope: HoldingScope, id: string) => held.get(`${scope}:${id}`) ?? NO_HOLDINGS;
  const move = (m: Pick<MemoryRecord, 'organizationId' | 'namespaceId'>, delta: Holdings) => {
    held.set(`organization:${m.organizationId}`, addHoldings(holdingsOf('organization', m.organizationId), delta));
    held.set(`namespace:${m.namespaceId}`, addHoldings(holdingsOf('namespace', m.namespaceId), delta));
  };
  const heldBy = (m: Pick<MemoryRecord, 'organizationId' | 'namespaceId'>) => ({
    organization: holdingsOf('organization', m.organizationId),
    namespace: holdingsOf('namespace', m.namespaceId),
  });
  const inNamespace = (namespaceId: string, id: string) => {
    const m = memories.get(id);
    return m && m.namespaceId === namespaceId ? m : null;
  };
  return {
    async insert(records, limits) {
      const first = oneNamespaceOf(records);
      if (!first) return { outcome: 'inserted' };
      const delta = holdingsDelta(records);
      const refusal = findHoldingRefusal(heldBy(first), delta, limits);
      if (refusal) return { outcome: 'refused', refusal };
      for (const m of records) memories.set(m.id, m);
      move(first, delta);
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
    holdings: async (scope, id) => holdingsOf(scope, id),
    async search(namespaceId, { text, limit, externalUserId }) {
      const terms = searchTerms(text);
      if (terms.length === 0) return [];
      return [...memories.values()]
        .filter((m) => m.namespaceId === namespaceId && (externalUserId === undefined || m.externalUserId === externalUserId))
        .map((memory) => {
          const words = new Set(searchTerms(memory.content, Infinity));
          return { memory, score: terms.filter((t) => words.has(t)).length };
        })
        .filter((m) => m.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    },
  };
}

export function createRamFeedback(): FeedbackRepository {
  const records = new Map<string, FeedbackRecord>();
  return {
    async insert(list) {
      for (const r of list) records.set(r.id, r);
    },
    async get(organizationId, id) {
      const r = records.get(id);
      return r && r.organizationId === organizationId ? r : null;
    },
  };
}
