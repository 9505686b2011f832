import { storedBytes } from '../../core/holdings.js';
import type { MemoryPatch, MemoryRecord } from '../contract/index.js';

/** The memory after a patch: absent fields keep their value, metadata may be set to null; bytes measured again. */
export function applyMemoryPatch(before: MemoryRecord, patch: MemoryPatch): MemoryRecord {
  const after = {
    ...before,
    content: patch.content ?? before.content,
    type: patch.type ?? before.type,
    metadata: patch.metadata === undefined ? before.metadata : patch.metadata,
    extra: patch.extra ?? before.extra,
    updatedAt: patch.updatedAt,
  };
  return { ...after, bytes: storedBytes(after) };
}
