import type { Holdings } from '../../core/holdings.js';

/** Where a write moves holdings: one namespace of one organization. */
export interface HoldingOwner {
  readonly organizationId: string;
  readonly namespaceId: string | null;
}

/** What inserting these records adds to their owner's holdings: a memory each (when they are memories) and their bytes. */
export function holdingsDelta(records: readonly { readonly bytes: number }[], kind: 'memories' | 'feedback'): Holdings {
  let bytes = 0;
  for (const r of records) bytes += r.bytes;
  return { memories: kind === 'memories' ? records.length : 0, bytes };
}

/**
 * The owner of records inserted together, which must all belong to one namespace of one
 * organization (the holdings they move are that pair's); undefined for none.
 */
export function oneOwnerOf(records: readonly HoldingOwner[]): { organizationId: string; namespaceId: string } | undefined {
  const first = records[0];
  if (!first) return undefined;
  for (const r of records) {
    if (r.namespaceId === null || r.namespaceId !== first.namespaceId || r.organizationId !== first.organizationId) {
      throw new Error('records inserted together must belong to one namespace of one organization');
    }
  }
  return { organizationId: first.organizationId, namespaceId: first.namespaceId! };
}
