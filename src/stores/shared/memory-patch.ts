import type { MemoryPatch, MemoryRecord } from '../contract/index.js';

/** The memory after a patch: absent fields keep their value, metadata may be set to null. */
export function applyMemoryPatch(before: MemoryRecord, patch: MemoryPatch): MemoryRecord {
  return {
    ...before,
    content: patch.content ?? before.content,
    type: patch.type ?? before.type,
    metadata: patch.metadata === undefined ? before.metadata : patch.metadata,
    extra: patch.extra ?? before.extra,
    bytes: patch.bytes ?? before.bytes,
    updatedAt: patch.updatedAt,
  };
}
