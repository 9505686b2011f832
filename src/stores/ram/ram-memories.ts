import type { FeedbackRecord, FeedbackRepository, MemoryRecord, MemoryRepository } from '../contract/index.js';
import { applyMemoryPatch } from '../shared/memory-patch.js';
import { searchTerms } from '../shared/search-terms.js';

/** Memories in a Map; search scores by how many query words a memory contains. */
export function createRamMemories(): MemoryRepository {
  const memories = new Map<string, MemoryRecord>();
  const inNamespace = (namespaceId: string, id: string) => {
    const m = memories.get(id);
    return m && m.namespaceId === namespaceId ? m : null;
  };
  return {
    async insert(records) {
      for (const m of records) memories.set(m.id, m);
    },
    get: async (namespaceId, id) => inNamespace(namespaceId, id),
    async update(namespaceId, id, patch) {
      const before = inNamespace(namespaceId, id);
      if (!before) return null;
      const after = applyMemoryPatch(before, patch);
      memories.set(id, after);
      return { before, after };
    },
    async delete(namespaceId, id) {
      const found = inNamespace(namespaceId, id);
      if (found) memories.delete(id);
      return found;
    },
    async deleteAll(namespaceId, { externalUserId }) {
      let count = 0;
      let bytes = 0;
      for (const m of [...memories.values()]) {
        if (m.namespaceId !== namespaceId || (externalUserId !== undefined && m.externalUserId !== externalUserId)) continue;
        memories.delete(m.id);
        count++;
        bytes += m.bytes;
      }
      return { count, bytes };
    },
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
