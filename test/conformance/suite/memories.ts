import { describe, expect, it } from 'vitest';
import { feedbackBytes, storedBytes, UNLIMITED_HOLDINGS, type HoldingLimits } from '../../../src/core/holdings.js';
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
  bytes: storedBytes({ content, metadata: { topics: ['t'] }, extra: {} }),
  createdAt: 1,
  updatedAt: 1,
  ...patch,
});

const ANY = UNLIMITED_HOLDINGS;
const limited = (organization: Partial<HoldingLimits['organization']>, namespace: Partial<HoldingLimits['namespace']> = {}): HoldingLimits => ({
  organization: { memories: null, bytes: null, ...organization },
  namespace: { memories: null, bytes: null, ...namespace },
  tier: 'developer',
  isTrial: false,
});

export function memoriesSuite(h: StoreHarness): void {
  describe(`${h.name}: memories`, () => {
    const world = useWorld(h);

    it('a memory is visible in its namespace only, for every method', async () => {
      const { store } = world();
      const ns = `ns_${n++}_${Math.random()}`;
      const other = `${ns}_other`;
      const m = memory(ns, 'The quarterly report is due on Friday');
      await store.memories.insert([m], ANY);
      expect(await store.memories.get(ns, m.id)).toEqual(m);
      expect(await store.memories.get(other, m.id)).toBeNull();
      expect(await store.memories.update(other, m.id, { content: 'x', updatedAt: 2 }, ANY)).toEqual({ outcome: 'not_found' });
      expect(await store.memories.delete(other, m.id)).toBeNull();
      expect(await store.memories.search(other, { text: 'quarterly report', limit: 10 })).toEqual([]);
      expect(await store.memories.deleteAll(other, {})).toEqual({ memories: 0, bytes: 0 });
      expect(await store.memories.get(ns, m.id)).toEqual(m);
    });

    it('full-text search ranks the better match first and ignores query syntax', async () => {
      const { store } = world();
      const ns = `ns_${n++}_${Math.random()}`;
      const both = memory(ns, 'Alice prefers dark mode in every editor she uses');
      const one = memory(ns, 'Bob likes the dark roast coffee');
      const none = memory(ns, 'Unrelated note about lunch');
      await store.memories.insert([both, one, none], ANY);
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
      await store.memories.insert([a, b, c], ANY);
      const updated = await store.memories.update(ns, a.id, { content: 'final version', updatedAt: 5 }, ANY);
      const bytes = storedBytes({ content: 'final version', metadata: a.metadata, extra: {} });
      expect(updated).toMatchObject({ outcome: 'updated', before: { content: 'first draft' }, after: { content: 'final version', bytes, updatedAt: 5 } });
      expect((await store.memories.search(ns, { text: 'final', limit: 5 })).map((m) => m.memory.id)).toEqual([a.id]);
      expect(await store.memories.search(ns, { text: 'draft', limit: 5 })).toEqual([]);
      expect((await store.memories.search(ns, { text: 'note', limit: 5, externalUserId: 'u2' })).length).toBe(2);
      expect(await store.memories.delete(ns, a.id)).toMatchObject({ id: a.id });
      expect(await store.memories.deleteAll(ns, { externalUserId: 'u2' })).toEqual({ memories: 2, bytes: b.bytes + c.bytes });
      expect(await store.memories.get(ns, b.id)).toBeNull();
    });

    it('holdings move with every write: insert, update, delete and deleteAll, in the organization and the namespace', async () => {
      const { store } = world();
      const org = `org_h_${n++}_${Math.random()}`;
      const [ns1, ns2] = [`ns_${n++}_${Math.random()}`, `ns_${n++}_${Math.random()}`];
      const held = async () => [await store.memories.holdings('organization', org), await store.memories.holdings('namespace', ns1), await store.memories.holdings('namespace', ns2)];
      expect(await held()).toEqual([
        { memories: 0, bytes: 0 },
        { memories: 0, bytes: 0 },
        { memories: 0, bytes: 0 },
      ]);
      const a = memory(ns1, 'alpha', { organizationId: org, metadata: { big: 'x'.repeat(100) }, extra: { context: [{ role: 'user', content: 'hi' }] } });
      const b = memory(ns1, 'beta', { organizationId: org, externalUserId: 'u1' });
      const c = memory(ns2, 'gamma', { organizationId: org });
      expect(await store.memories.insert([a, b], ANY)).toEqual({ outcome: 'inserted' });
      expect(await store.memories.insert([c], ANY)).toEqual({ outcome: 'inserted' });
      expect(await held()).toEqual([
        { memories: 3, bytes: a.bytes + b.bytes + c.bytes },
        { memories: 2, bytes: a.bytes + b.bytes },
        { memories: 1, bytes: c.bytes },
      ]);
      const grown = await store.memories.update(ns1, b.id, { metadata: { note: 'y'.repeat(50) }, updatedAt: 2 }, ANY);
      expect(grown.outcome).toBe('updated');
      const b2 = grown.outcome === 'updated' ? grown.after : b;
      expect(b2.bytes).toBe(storedBytes({ content: 'beta', metadata: { note: 'y'.repeat(50) }, extra: {} }));
      expect(await held()).toEqual([
        { memories: 3, bytes: a.bytes + b2.bytes + c.bytes },
        { memories: 2, bytes: a.bytes + b2.bytes },
        { memories: 1, bytes: c.bytes },
      ]);
      await store.memories.delete(ns1, a.id);
      expect(await store.memories.deleteAll(ns1, { externalUserId: 'u1' })).toEqual({ memories: 1, bytes: b2.bytes });
      expect(await held()).toEqual([
        { memories: 1, bytes: c.bytes },
        { memories: 0, bytes: 0 },
        { memories: 1, bytes: c.bytes },
      ]);
      expect(await store.memories.deleteAll(ns2, {})).toEqual({ memories: 1, bytes: c.bytes });
      expect((await held())[0]).toEqual({ memories: 0, bytes: 0 });
    });

    it('a write past a holding limit changes nothing and names the limit; landing on it passes; a shrink always passes', async () => {
      const { store } = world();
      const org = `org_l_${n++}_${Math.random()}`;
      const ns = `ns_${n++}_${Math.random()}`;
      const one = memory(ns, 'one', { organizationId: org });
      const two = memory(ns, 'two', { organizationId: org });
      const three = memory(ns, 'three', { organizationId: org });
      // A batch that would pass the namespace's limit adds none of its memories.
      expect(await store.memories.insert([one, two, three], limited({}, { memories: 2 }))).toEqual({
        outcome: 'refused',
        refusal: { scope: 'namespace', metric: 'memories', used: 0, limit: 2, requested: 3 },
      });
      expect(await store.memories.get(ns, one.id)).toBeNull();
      expect(await store.memories.holdings('namespace', ns)).toEqual({ memories: 0, bytes: 0 });
      expect(await store.memories.insert([one, two], limited({}, { memories: 2 }))).toEqual({ outcome: 'inserted' });
      const total = one.bytes + two.bytes;
      expect(await store.memories.insert([three], limited({ memories: 2 }))).toMatchObject({ outcome: 'refused', refusal: { scope: 'organization', metric: 'memories', used: 2 } });
      // Growth is checked like an add: bytes at the limit pass, one more byte does not.
      const atLimit = limited({ bytes: total + 10 });
      const tenMore = { content: `${one.content}${'z'.repeat(10)}`, updatedAt: 3 };
      const tooMuch = { content: `${one.content}${'z'.repeat(11)}`, updatedAt: 3 };
      expect(await store.memories.update(ns, one.id, tooMuch, atLimit)).toEqual({
        outcome: 'refused',
        refusal: { scope: 'organization', metric: 'bytes', used: total, limit: total + 10, requested: 11 },
      });
      expect((await store.memories.get(ns, one.id))!.content).toBe('one');
      expect(await store.memories.update(ns, one.id, tenMore, atLimit)).toMatchObject({ outcome: 'updated' });
      expect(await store.memories.holdings('organization', org)).toEqual({ memories: 2, bytes: total + 10 });
      // The limit lowered below what is held: editing down still passes, and gives the bytes back.
      expect(await store.memories.update(ns, one.id, { content: 'o', updatedAt: 4 }, limited({ bytes: 1 }))).toMatchObject({ outcome: 'updated' });
      expect(await store.memories.holdings('organization', org)).toEqual({ memories: 2, bytes: total - 2 });
    });

    it('parallel adds against a limit: exactly the limit is stored, and holdings equal what is stored', async () => {
      const { store } = world();
      const org = `org_p_${n++}_${Math.random()}`;
      const ns = `ns_${n++}_${Math.random()}`;
      const limits = limited({ memories: 25 });
      const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => store.memories.insert([memory(ns, `parallel note ${i}`, { organizationId: org })], limits)));
      expect(outcomes.filter((o) => o.outcome === 'inserted').length).toBe(25);
      const held = await store.memories.holdings('namespace', ns);
      expect(held.memories).toBe(25);
      const stored = await store.memories.search(ns, { text: 'parallel note', limit: 100 });
      expect(stored.length).toBe(25);
      expect(held.bytes).toBe(stored.reduce((s, m) => s + m.memory.bytes, 0));
    });

    it('feedback belongs to its namespace and takes storage, in the same holdings as memories', async () => {
      const { store } = world();
      const org = `org_f_${n++}_${Math.random()}`;
      const [ns, other] = [`ns_${n++}_${Math.random()}`, `ns_${n++}_${Math.random()}`];
      const data = { feedbackType: 'thumbs_up', feedbackText: 'ü'.repeat(40) };
      const fb = (id: string, namespaceId = ns) => ({ id, organizationId: org, namespaceId, searchId: 's1', userId: null, externalUserId: null, data, bytes: feedbackBytes(data), createdAt: 1 });
      const id = `fb_${n++}_${Math.random()}`;
      expect(await store.feedback.insert([fb(id)], ANY)).toEqual({ outcome: 'inserted' });
      expect(await store.feedback.get(ns, id)).toMatchObject({ searchId: 's1', data, bytes: feedbackBytes(data) });
      expect(await store.feedback.get(other, id)).toBeNull();
      const m = memory(ns, 'a memory beside it', { organizationId: org });
      await store.memories.insert([m], ANY);
      expect(await store.memories.holdings('namespace', ns)).toEqual({ memories: 1, bytes: m.bytes + feedbackBytes(data) });
      // Storage is shared: feedback is refused when it would pass the bytes limit, and adds nothing.
      const full = limited({ bytes: m.bytes + 2 * feedbackBytes(data) - 1 });
      expect(await store.feedback.insert([fb(`${id}_2`)], full)).toMatchObject({ outcome: 'refused', refusal: { scope: 'organization', metric: 'bytes', requested: feedbackBytes(data) } });
      expect(await store.feedback.get(ns, `${id}_2`)).toBeNull();
      await store.feedback.insert([fb(`${id}_3`, other)], ANY);
      expect(await store.feedback.deleteAll(ns)).toEqual({ memories: 0, bytes: feedbackBytes(data) });
      expect(await store.feedback.get(ns, id)).toBeNull();
      expect(await store.memories.holdings('organization', org)).toEqual({ memories: 1, bytes: m.bytes + feedbackBytes(data) });
      expect(await store.memories.holdings('namespace', ns)).toEqual({ memories: 1, bytes: m.bytes });
    });
  });
}
