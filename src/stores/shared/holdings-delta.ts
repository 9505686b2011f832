import type { Holdings } from '../../core/holdings.js';
import type { MemoryRecord } from '../contract/index.js';

/** What inserting these memories adds to the holdings of their organization and namespace. */
export function holdingsDelta(records: readonly MemoryRecord[]): Holdings {
  let bytes = 0;
  for (const m of records) bytes += m.bytes;
  return { memories: records.length, bytes };
}

/**
 * The first of memories inserted together, which must all belong to one namespace of one
 * organization (the holdings they move are that pair's); undefined for none.
 */
export function oneNamespaceOf(records: readonly MemoryRecord[]): MemoryRecord | undefined {
  const first = records[0];
  for (const m of records) {
    if (m.namespaceId !== first!.namespaceId || m.organizationId !== first!.organizationId) {
      throw new Error('memories inserted together must belong to one namespace of one organization');
    }
  }
  return first;
}
