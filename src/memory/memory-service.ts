import { TollgateError } from '../core/errors.js';
import { addHoldings, feedbackBytes, storedBytes, type HoldingLimits, type Holdings } from '../core/holdings.js';
import type { Clock } from '../core/ports.js';
import type { FeedbackRecord, FeedbackRepository, MemoryMatch, MemoryPatch, MemoryRecord, MemoryRepository, MemorySearch } from '../stores/contract/index.js';
import { holdingRefusalError } from './holding-refusal.js';

/** Where a memory call acts: always one namespace of one organization. */
export interface MemoryScope {
  readonly organizationId: string;
  readonly namespaceId: string;
  readonly userId: string | null;
  /** What the organization and the namespace may hold (the plan's max_active_memories, max_storage_gb). */
  readonly limits: HoldingLimits;
}

export interface NewMemory {
  readonly content: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly externalUserId?: string | null;
  /** Accepted fields Tollgate stores without acting on them. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface MemoryChange {
  readonly content?: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface NewFeedback {
  readonly searchId: string;
  readonly externalUserId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export type MemoryService = ReturnType<typeof createMemoryService>;

export const contentBytes = (content: string): number => Buffer.byteLength(content, 'utf8');

/**
 * The JSON of each other field a memory keeps (metadata, context, graph_generation, …) may take
 * this much: enough for rich metadata, far from the 4 MB a body may carry, so that no single
 * free-form field can hold what content is refused.
 */
export const DEFAULT_MAX_FIELD_BYTES = 16_384;

/** The memory API's own rules: sizes, ids, and that everything happens inside one namespace. */
export function createMemoryService(deps: {
  memories: MemoryRepository;
  feedback: FeedbackRepository;
  clock: Clock;
  newId: (kind: 'mem' | 'fb') => string;
  maxContentBytes: number;
  maxFieldBytes?: number;
}) {
  const maxFieldBytes = deps.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  const notFound = (id: string) => new TollgateError('NOT_FOUND', { message: `No memory with id "${id}" in this namespace.`, details: { memory_id: id } });

  return {
    /** Refuses content over the size limit (413) before anything is charged or stored. */
    checkContent(content: string, path = 'content'): void {
      const bytes = contentBytes(content);
      if (bytes > deps.maxContentBytes) {
        throw new TollgateError('CONTENT_TOO_LARGE', {
          message: `${path} is ${bytes} bytes; a memory holds at most ${deps.maxContentBytes} bytes.`,
          details: { field: path, bytes, max_bytes: deps.maxContentBytes },
        });
      }
    },

    /** Adds every memory or, when a holding limit refuses, none (429 RESOURCE_LIMIT_EXCEEDED). */
    /**
     * Refuses (413, before anything is charged or stored) a memory's content over its limit and any
     * other field it keeps whose JSON is over maxFieldBytes; `prefix` locates the memory in a batch.
     */
    checkMemory(body: Readonly<Record<string, unknown>>, prefix = ''): void {
      for (const [field, value] of Object.entries(body)) {
        if (value === undefined || value === null) continue;
        if (field === 'content') {
          if (typeof value === 'string') this.checkContent(value, `${prefix}content`);
          continue;
        }
        const bytes = contentBytes(JSON.stringify(value));
        if (bytes > maxFieldBytes) {
          throw new TollgateError('CONTENT_TOO_LARGE', {
            message: `${prefix}${field} is ${bytes} bytes as JSON; a memory keeps at most ${maxFieldBytes} bytes in each field besides its content.`,
            details: { field: `${prefix}${field}`, bytes, max_bytes: maxFieldBytes },
          });
        }
      }
    },

    async add(scope: MemoryScope, inputs: readonly NewMemory[]): Promise<MemoryRecord[]> {
      const now = deps.clock.now();
      const records = inputs.map((input): MemoryRecord => {
        const kept = {
          id: deps.newId('mem'),
          organizationId: scope.organizationId,
          namespaceId: scope.namespaceId,
          content: input.content,
          type: input.type ?? 'text',
          metadata: input.metadata ?? null,
          externalUserId: input.externalUserId ?? null,
          userId: scope.userId,
          extra: input.extra ?? {},
          createdAt: now,
          updatedAt: now,
        };
        return { ...kept, bytes: storedBytes(kept) };
      });
      const outcome = await deps.memories.insert(records, scope.limits);
      if (outcome.outcome === 'refused') throw holdingRefusalError(outcome.refusal, scope.limits);
      return records;
    },

    async get(scope: MemoryScope, id: string): Promise<MemoryRecord> {
      const found = await deps.memories.get(scope.namespaceId, id);
      if (!found) throw notFound(id);
      return found;
    },

    async update(scope: MemoryScope, id: string, change: MemoryChange): Promise<{ before: MemoryRecord; after: MemoryRecord }> {
      const patch: MemoryPatch = { ...change, updatedAt: deps.clock.now() };
      const result = await deps.memories.update(scope.namespaceId, id, patch, scope.limits);
      if (result.outcome === 'not_found') throw notFound(id);
      if (result.outcome === 'refused') throw holdingRefusalError(result.refusal, scope.limits);
      return result;
    },

    async delete(scope: MemoryScope, id: string): Promise<MemoryRecord> {
      const deleted = await deps.memories.delete(scope.namespaceId, id);
      if (!deleted) throw notFound(id);
      return deleted;
    },

    deleteAll: (scope: Pick<MemoryScope, 'namespaceId'>, filter: { externalUserId?: string }): Promise<Holdings> => deps.memories.deleteAll(scope.namespaceId, filter),

    /** What the organization and the namespace of the scope hold now. */
    async holdings(scope: Pick<MemoryScope, 'organizationId' | 'namespaceId'>): Promise<{ organization: Holdings; namespace: Holdings }> {
      const [organization, namespace] = await Promise.all([deps.memories.holdings('organization', scope.organizationId), deps.memories.holdings('namespace', scope.namespaceId)]);
      return { organization, namespace };
    },

    search: (scope: MemoryScope, query: MemorySearch): Promise<MemoryMatch[]> => deps.memories.search(scope.namespaceId, query),

    /** Refuses (413, before the charge) a feedback body whose JSON is over maxFieldBytes. */
    checkFeedback(data: unknown, path = 'feedbackData'): void {
      if (data === undefined || data === null) return;
      const bytes = contentBytes(JSON.stringify(data));
      if (bytes > maxFieldBytes) {
        throw new TollgateError('CONTENT_TOO_LARGE', {
          message: `${path} is ${bytes} bytes as JSON; feedback keeps at most ${maxFieldBytes} bytes.`,
          details: { field: path, bytes, max_bytes: maxFieldBytes },
        });
      }
    },

    /** Records every item in the scope's namespace or, when storage is full, none (429 RESOURCE_LIMIT_EXCEEDED). */
    async submitFeedback(scope: MemoryScope, items: readonly NewFeedback[]): Promise<FeedbackRecord[]> {
      const now = deps.clock.now();
      const records = items.map(
        (item): FeedbackRecord => ({
          id: deps.newId('fb'),
          organizationId: scope.organizationId,
          namespaceId: scope.namespaceId,
          searchId: item.searchId,
          userId: scope.userId,
          externalUserId: item.externalUserId,
          data: item.data,
          bytes: feedbackBytes(item.data),
          createdAt: now,
        }),
      );
      const outcome = await deps.feedback.insert(records, scope.limits);
      if (outcome.outcome === 'refused') throw holdingRefusalError(outcome.refusal, scope.limits);
      return records;
    },

    async getFeedback(scope: Pick<MemoryScope, 'namespaceId'>, id: string): Promise<FeedbackRecord> {
      const found = await deps.feedback.get(scope.namespaceId, id);
      if (!found) throw new TollgateError('NOT_FOUND', { message: `No feedback with id "${id}" in this namespace.`, details: { feedback_id: id } });
      return found;
    },

    /** Everything a namespace holds (memories, feedback), deleted with it; returns what went. */
    async deleteNamespaceContent(scope: Pick<MemoryScope, 'namespaceId'>): Promise<Holdings> {
      const memories = await deps.memories.deleteAll(scope.namespaceId, {});
      const feedback = await deps.feedback.deleteAll(scope.namespaceId);
      return addHoldings(memories, feedback);
    },
  };
}
