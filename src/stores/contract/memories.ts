/** Memories and feedback: what the hosted memory API keeps. Part of the store contract (index.ts). */

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
  /** UTF-8 size of the content, counted against storage. */
  readonly bytes: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MemoryPatch {
  readonly content?: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly bytes?: number;
  readonly updatedAt: number;
}

export interface MemoryMatch {
  readonly memory: MemoryRecord;
  /** Higher is more relevant (a full-text rank, e.g. negated bm25). */
  readonly score: number;
}

/**
 * Memories, always addressed inside one namespace: a memory of another namespace is "not found"
 * for every method, never visible.
 */
export interface MemoryRepository {
  insert(memories: readonly MemoryRecord[]): Promise<void>;
  get(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Returns the memory before and after the change, or null when there is none in this namespace. */
  update(namespaceId: string, id: string, patch: MemoryPatch): Promise<{ before: MemoryRecord; after: MemoryRecord } | null>;
  /** Returns the deleted memory, or null. */
  delete(namespaceId: string, id: string): Promise<MemoryRecord | null>;
  /** Deletes every memory of the namespace (of one external user, if given); returns what went. */
  deleteAll(namespaceId: string, filter: { readonly externalUserId?: string }): Promise<{ count: number; bytes: number }>;
  /** Full-text search inside one namespace, best first. */
  search(namespaceId: string, query: { readonly text: string; readonly limit: number; readonly externalUserId?: string }): Promise<MemoryMatch[]>;
}

export interface FeedbackRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly namespaceId: string | null;
  readonly searchId: string;
  readonly userId: string | null;
  readonly externalUserId: string | null;
  /** The feedback body as the client sent it (feedbackData). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
}

export interface FeedbackRepository {
  insert(records: readonly FeedbackRecord[]): Promise<void>;
  /** Feedback of one organization (another organization's is "not found"). */
  get(organizationId: string, id: string): Promise<FeedbackRecord | null>;
}
