/** How much one search answer may carry, and the page of matches that fits, as JSON text. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MemoryMatch } from '../../stores/contract/index.js';

export const SEARCH_PAGE = {
  /** max_memories when absent, as Papr's. */
  defaultSize: 20,
  maxSize: 100,
  /** The memories of one answer, counted both as stored (what the call loads) and as sent. */
  maxBytes: 1_048_576,
  /** Kept out of maxBytes for the rest of the answer (envelope, search_id, next_cursor). */
  envelopeBytes: 1_024,
  /** Serialised between two turns of the event loop, so other requests are served in between. */
  bytesPerTurn: 131_072,
} as const;

export interface SearchPage {
  /** The JSON text of each memory of the page, in rank order. */
  readonly items: readonly string[];
  /** Whether a match was left for the next page. */
  readonly more: boolean;
}

/**
 * The first matches, in rank order, that make one page: at most `size`, while their stored bytes
 * and their JSON in the answer both stay within the budget. The first always fits (a memory's
 * fields are bounded far below it), so every page moves on. Each memory is serialised once, here,
 * and its length is exact. `more` when a match was left over: the search asks its store for size + 1
 * within the same budget (MemorySearch.maxBytes), so a leftover is there exactly when more follow.
 */
export async function takeSearchPage(matches: readonly MemoryMatch[], size: number, toItem: (match: MemoryMatch) => unknown): Promise<SearchPage> {
  const items: string[] = [];
  let stored = 0;
  let sent = 0;
  let sinceTurn = 0;
  for (const match of matches) {
    if (items.length === size) break;
    const json = JSON.stringify(toItem(match));
    const bytes = Buffer.byteLength(json) + 1; // and the comma between items
    stored += match.memory.bytes;
    sent += bytes;
    if (items.length > 0 && (stored > SEARCH_PAGE.maxBytes || sent > SEARCH_PAGE.maxBytes - SEARCH_PAGE.envelopeBytes)) break;
    items.push(json);
    sinceTurn += bytes;
    if (sinceTurn >= SEARCH_PAGE.bytesPerTurn) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  return { items, more: items.length < matches.length };
}

/**
 * The answer's JSON text: `envelope` (whose data holds `memories: []`) with the page's memories in
 * place. The envelope's other values are fixed words, ids and base64url, so `"memories":[]` is
 * found only where it stands.
 */
export function searchAnswerJson(envelope: unknown, page: SearchPage): string {
  const [before, after] = JSON.stringify(envelope).split('"memories":[]') as [string, string];
  return `${before}"memories":[${page.items.join(',')}]${after}`;
}
