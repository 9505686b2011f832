/** Memories and feedback: what the hosted memory API keeps. Part of the store contract (index.ts). */
import type { HoldingLimits, HoldingRefusal, Holdings, HoldingScope } from '../../core/holdings.js';

export interface MemoryRecord {
  /** memoryId and objectId of the wire format. */
  readonly id: string;
  readonly organizationId: string;
  readonly namespaceId: string;
  readonly content: string;
  /** text, code_snippet or document. */
  readonly type: string;
  /** The memory's metadata object as the client sent it (JSON). */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  readonly externalUserId: string | null;
  /** The user of the API key that added it. */
  readonly userId: string | null;
  /** Fields of the wire format Tollgate stores but does not act on (context, graph_generation, …). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** What the memory takes of storage: UTF-8 bytes of its content, metadata and extra (storedBytes in src/core/holdings.ts). */
  readonly bytes: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MemoryPatch {
  readonly content?: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly updatedAt: number;
}

/** A full-text search inside one namespace, and the window of its ranking it asks for. */
export interface MemorySearch {
  readonly text: string;
  /** At most this many matches. */
  readonly limit: number;
  /** Skips this many of the best matches first (paging); 0 when absent. */
  readonly offset?: number;
  /**
   * Bounds what one call loads, in the matches' `bytes`: a match is returned when those before it
   * take at most maxBytes, and the first two always are. The longest run of returned matches within
   * maxBytes (at least the first) is what a page may carry; a returned match beyond it shows that
   * more follow.
   */
  readonly maxBytes?: number;
  readonly externalUserId?: string;
}

export interface MemoryMatch {
  readonly memory: MemoryRecord;
  /** Higher is more relevant (a full-text rank, e.g. negated bm25). */
  readonly score: number;
}

export type InsertOutcome = { readonly outcome: 'inserted' } | { readonly outcome: 'refused'; readonly refusal: HoldingRefusal };

export type UpdateOutcome =
  | { readonly outcome: 'updated'; readonly before: MemoryRecord; readonly after: MemoryRecord }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'refused'; readonly refusal: HoldingRefusal };

/**
 * Memories, always addressed inside one namespace: a memory of another namespace is "not found"
 * for every method, never visible.
 *
 * The repository keeps what each organization and each namespace holds (memories, and the bytes
 * of their `bytes` fields), and moves those holdings in the same transaction as the write that
 * changes them: a write that would take a holding past its limit (findHoldingRefusal in
 * src/core/holdings.ts) changes nothing and is refused; a delete gives back exactly what it
 * removed. Holdings therefore always equal the memories stored, whatever crashes in between.
 */
export interface MemoryRepository {
  /** Adds memories, all of one namespace of one organization, or none of them when a limit refuses. */
  insert(memories: readonly MemoryRecord[], limits: HoldingLimits): Promise<InsertOutcome>;
  get(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Applies the patch unless the memory's growth would pass a limit; a shrink is never refused. */
  update(namespaceId: string, id: string, patch: MemoryPatch, limits: HoldingLimits): Promise<UpdateOutcome>;
  /** Returns the deleted memory, or null. */
  delete(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Deletes every memory of the namespace (of one external user, if given); returns what went. */
  deleteAll(namespaceId: string, filter: { readonly externalUserId?: string }): Promise<Holdings>;
  /** What an organization or a namespace holds now (zero for one that never held anything). */
  holdings(scope: HoldingScope, id: string): Promise<Holdings>;
  /**
   * Full-text search inside one namespace, best first, ties in a fixed order (so that offsets page
   * through the same ranking without skipping or repeating a match while the memories stay as they
   * are). Loads only the rows it returns: never the matches before `offset`, after `limit` or past
   * `maxBytes`.
   */
  search(namespaceId: string, query: MemorySearch): Promise<MemoryMatch[]>;
}

export interface FeedbackRecord {
  readonly id: string;
  readonly organizationId: string;
  /** Null only for feedback recorded before feedback belonged to a namespace, in an organization without a default one. */
  readonly namespaceId: string | null;
  readonly searchId: string;
  readonly userId: string | null;
  readonly externalUserId: string | null;
  /** The feedback body as the client sent it (feedbackData). */
  readonly data: Readonly<Record<string, unknown>>;
  /** What it takes of storage: UTF-8 bytes of the JSON of `data` (feedbackBytes in src/core/holdings.ts). */
  readonly bytes: number;
  readonly createdAt: number;
}

/**
 * Feedback, addressed inside one namespace like memories. It takes storage (bytes, no memories)
 * in the holdings its repository shares with the memories, moved in the same transaction.
 */
export interface FeedbackRepository {
  /** Records feedback, all of one namespace of one organization, or none when a holding limit refuses. */
  insert(records: readonly FeedbackRecord[], limits: HoldingLimits): Promise<InsertOutcome>;
  /** Feedback of one namespace (another namespace's is "not found"). */
  get(namespaceId: string, id: string): Promise<FeedbackRecord | null>;
  /** Deletes the namespace's feedback (the namespace is going); returns what it held. */
  deleteAll(namespaceId: string): Promise<Holdings>;
}
