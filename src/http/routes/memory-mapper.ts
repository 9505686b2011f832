/** Memory records to the Papr v1 wire format (MemoryObject, AddMemoryItem, …) and requests to service input. */
import type { NewMemory } from '../../memory/index.js';
import type { MemoryRecord } from '../../stores/contract/index.js';

const iso = (ms: number) => new Date(ms).toISOString();
const ACTED_ON = new Set(['content', 'type', 'metadata', 'external_user_id']);

/** An add request (or batch item) to service input: the fields Tollgate does not act on are kept in `extra`. */
export function toNewMemory(body: Record<string, unknown>, defaults: { externalUserId?: string | null } = {}): NewMemory {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!ACTED_ON.has(key) && value !== undefined) extra[key] = value;
  const metadata = (body.metadata as Record<string, unknown> | null | undefined) ?? null;
  const externalUserId =
    (body.external_user_id as string | null | undefined) ?? (metadata?.external_user_id as string | undefined) ?? defaults.externalUserId ?? null;
  return { content: body.content as string, type: (body.type as string | undefined) ?? 'text', metadata, externalUserId, extra };
}

export function toAddMemoryItem(memory: MemoryRecord) {
  return { memoryId: memory.id, objectId: memory.id, createdAt: iso(memory.createdAt), memoryChunkIds: [`${memory.id}_0`] };
}

export function toMemoryObject(memory: MemoryRecord, score?: number) {
  const metadata = memory.metadata ?? {};
  return {
    id: memory.id,
    acl: {},
    content: memory.content,
    type: memory.type,
    user_id: memory.userId ?? '',
    external_user_id: memory.externalUserId,
    organization_id: memory.organizationId,
    namespace_id: memory.namespaceId,
    createdAt: iso(memory.createdAt),
    updatedAt: iso(memory.updatedAt),
    metadata,
    customMetadata: (metadata.customMetadata as Record<string, unknown> | undefined) ?? null,
    topics: (metadata.topics as string[] | undefined) ?? null,
    category: (metadata.category as string | undefined) ?? null,
    context: (memory.extra.context as unknown[] | undefined) ?? null,
    ...(score === undefined ? {} : { relevance_score: score }),
  };
}

export function toUpdatedItem(memory: MemoryRecord) {
  return {
    memoryId: memory.id,
    objectId: memory.id,
    updatedAt: iso(memory.updatedAt),
    content: memory.content,
    memoryChunkIds: [`${memory.id}_0`],
    metadata: memory.metadata,
  };
}
