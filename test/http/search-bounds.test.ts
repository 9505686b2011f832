import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSearchCursor } from '../../src/http/routes/search-cursor.js';
import { SEARCH_PAGE } from '../../src/http/routes/search-page.js';
import { bigMemory } from './support/big-memories.js';
import { startServer, type TestServer } from './support/server.js';

const MiB = 1_048_576;

interface Page {
  readonly status: number;
  readonly body: any;
  /** Bytes of the answer as sent. */
  readonly bytes: number;
}

describe('search answers are bounded: a page size, a byte budget, a cursor for the rest (issue 17)', () => {
  let s: TestServer;
  let big: { key: string; nsId: string };
  /** The store's own ranking of the big namespace's matches for "quarterly", best first. */
  let ranking: string[];

  const search = async (key: string, body: Record<string, unknown>, query = ''): Promise<Page> => {
    const r = await s.app.inject({ method: 'POST', url: `/v1/memory/search${query}`, headers: { 'x-api-key': key }, payload: body });
    return { status: r.statusCode, body: JSON.parse(r.body), bytes: Buffer.byteLength(r.body) };
  };

  /** Follows next_cursor from the first page to the last. */
  const pageThrough = async (key: string, body: Record<string, unknown>, size?: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(key, { ...body, ...(cursor ? { cursor } : {}) }, size ? `?max_memories=${size}` : '');
      expect(page.status, JSON.stringify(page.body).slice(0, 300)).toBe(200);
      pages.push(page);
      cursor = page.body.next_cursor;
      expect(pages.length).toBeLessThan(100);
    } while (cursor);
    return pages;
  };

  const used = async (key: string) => (await s.call({ method: 'GET', url: '/v1/usage', key })).body.interactions.mini.used as number;

  beforeAll(async () => {
    s = await startServer();
    big = await s.tenant({ rate_limits: { rate_limit_per_minute: 100_000 } });
    for (let i = 0; i < 40; i++) {
      const added = await s.call({ method: 'POST', url: '/v1/memory', key: big.key, body: bigMemory(i, i % 2 ? 'escaped' : 'kept') });
      expect(added.status, JSON.stringify(added.body).slice(0, 300)).toBe(200);
    }
    ranking = (await s.store.memories.search(big.nsId, { text: 'quarterly', limit: 1_000 })).map((m) => m.memory.id);
    expect(ranking).toHaveLength(40);
  });
  afterAll(() => s.close());

  it(`max_memories is 1..${SEARCH_PAGE.maxSize}: 1000 (the issue's) and 0 are refused naming it, ${SEARCH_PAGE.maxSize} passes`, async () => {
    for (const size of [1000, SEARCH_PAGE.maxSize + 1, 0]) {
      const r = await search(big.key, { query: 'quarterly' }, `?max_memories=${size}`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_code: 'VALIDATION_FAILED', details: { field: 'querystring.max_memories' } });
    }
    expect((await search(big.key, { query: 'quarterly' }, `?max_memories=${SEARCH_PAGE.maxSize}`)).status).toBe(200);
  });

  for (const size of [SEARCH_PAGE.maxSize, 3]) {
    it(`next_cursor pages through every match exactly once, in rank order, each page within ${MiB} bytes and ${size} memories and as full as they allow`, async () => {
      const pages = await pageThrough(big.key, { query: 'quarterly' }, size);
      expect(pages.flatMap((p) => p.body.data.memories.map((m: { id: string }) => m.id))).toEqual(ranking);
      expect(pages.at(-1)!.body.next_cursor).toBeNull();
      const bytesOf = (m: unknown) => Buffer.byteLength(JSON.stringify(m)) + 1;
      const stored = new Map((await s.store.memories.search(big.nsId, { text: 'quarterly', limit: 1_000 })).map((m) => [m.memory.id, m.memory.bytes]));
      pages.forEach((page, i) => {
        const memories = page.body.data.memories as { id: string }[];
        expect(page.bytes).toBeLessThanOrEqual(MiB);
        expect(memories.length).toBeGreaterThan(0);
        expect(memories.length).toBeLessThanOrEqual(size);
        const next = pages[i + 1]?.body.data.memories[0];
        if (!next || memories.length === size) return;
        // A page stops early only when the next memory would pass the budget, stored or sent.
        const storedWith = [...memories, next].reduce((sum, m) => sum + stored.get(m.id)!, 0);
        const sentWith = [...memories, next].reduce((sum, m) => sum + bytesOf(m), 0);
        expect(storedWith > SEARCH_PAGE.maxBytes || sentWith > SEARCH_PAGE.maxBytes - SEARCH_PAGE.envelopeBytes).toBe(true);
      });
      if (size === SEARCH_PAGE.maxSize) console.info(`search bounds: 40 big memories in ${pages.length} pages of ${pages.map((p) => p.body.data.memories.length).join(', ')} memories, ${pages.map((p) => p.bytes).join(', ')} bytes`);
    });
  }

  it('small memories: pages of max_memories (20 by default); the page that ends the matches has next_cursor null', async () => {
    const t = await s.tenant();
    const items = Array.from({ length: 40 }, (_, i) => ({ content: `standup note ${i}` }));
    expect((await s.call({ method: 'POST', url: '/v1/memory/batch', key: t.key, body: { memories: items } })).status).toBe(200);
    const byDefault = await pageThrough(t.key, { query: 'standup' });
    expect(byDefault.map((p) => p.body.data.memories.length)).toEqual([20, 20]);
    const bySeven = await pageThrough(t.key, { query: 'standup' }, 7);
    expect(bySeven.map((p) => p.body.data.memories.length)).toEqual([7, 7, 7, 7, 7, 5]);
    expect(new Set(bySeven.flatMap((p) => p.body.data.memories.map((m: { id: string }) => m.id))).size).toBe(40);
  });

  it('a cursor pages only the search it came from: another namespace, query or external user is 400 naming body.cursor, never their memories', async () => {
    const first = await search(big.key, { query: 'quarterly' }, '?max_memories=2');
    const cursor = first.body.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const other = await s.tenant();
    await s.call({ method: 'POST', url: '/v1/memory', key: other.key, body: { content: 'quarterly figures of another tenant' } });
    const refusals = [
      await search(other.key, { query: 'quarterly', cursor }),
      await search(big.key, { query: 'quarterly report', cursor }),
      await search(big.key, { query: 'quarterly', external_user_id: 'alice', cursor }),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_code: 'VALIDATION_FAILED', details: { field: 'body.cursor' }, data: null });
    }
    const second = await search(big.key, { query: 'quarterly', cursor }, '?max_memories=2');
    expect(second.body.data.memories.map((m: { id: string }) => m.id)).toEqual(ranking.slice(2, 4));
  });

  it('a garbled, forged or out-of-range cursor is 400 naming body.cursor, refused before the charge', async () => {
    const identity = { namespaceId: big.nsId, query: 'quarterly', externalUserId: null };
    const bad = [
      'garbage',
      '!!!',
      Buffer.from('{"o":"5","b":"x"}').toString('base64url'),
      Buffer.from(JSON.stringify({ o: 5, b: 'A'.repeat(22) })).toString('base64url'),
      encodeSearchCursor(10_001, identity),
      encodeSearchCursor(0, identity),
      encodeSearchCursor(1.5, identity),
    ];
    const before = await used(big.key);
    const usageCall = (await used(big.key)) - before;
    for (const cursor of bad) {
      const r = await search(big.key, { query: 'quarterly', cursor });
      expect(r.status, cursor).toBe(400);
      expect(r.body).toMatchObject({ error_code: 'VALIDATION_FAILED', details: { field: 'body.cursor' } });
    }
    const after = await used(big.key);
    expect(after - before).toBe(2 * usageCall);
    // A cursor with a valid offset but made up by the client still only pages the caller's own search.
    const made = await search(big.key, { query: 'quarterly', cursor: encodeSearchCursor(38, identity) });
    expect(made.body.data.memories.map((m: { id: string }) => m.id)).toEqual(ranking.slice(38));
    expect(made.body.next_cursor).toBeNull();
  });
});
