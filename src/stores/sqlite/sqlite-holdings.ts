import type Database from 'better-sqlite3';
import { addHoldings, findHoldingRefusal, negateHoldings, NO_HOLDINGS, type HoldingLimits, type HoldingRefusal, type Holdings, type HoldingScope } from '../../core/holdings.js';
import type { InsertOutcome } from '../contract/index.js';
import { holdingsDelta, oneOwnerOf, type HoldingOwner } from '../shared/holdings-delta.js';
import { guarded } from './sqlite-errors.js';
import type { Row } from './sqlite-mapper.js';

type Owner = { readonly organizationId: string; readonly namespaceId: string };

/**
 * The holdings table of a SQLite store, for the memories and the feedback that move it. Every
 * method runs inside the caller's write transaction, so holdings commit or vanish with the write.
 */
export function createSqliteHoldings(db: Database.Database) {
  const read = db.prepare('SELECT memories, bytes FROM holdings WHERE scope = ? AND scope_id = ?');
  const add = db.prepare(`
    INSERT INTO holdings (scope, scope_id, memories, bytes) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope, scope_id) DO UPDATE SET memories = memories + excluded.memories, bytes = bytes + excluded.bytes`);
  const of = (scope: HoldingScope, id: string): Holdings => {
    const row = read.get(scope, id) as Row | undefined;
    return row ? { memories: Number(row.memories), bytes: Number(row.bytes) } : { memories: 0, bytes: 0 };
  };
  const refusal = (owner: Owner, delta: Holdings, limits: HoldingLimits): HoldingRefusal | null =>
    findHoldingRefusal({ organization: of('organization', owner.organizationId), namespace: of('namespace', owner.namespaceId) }, delta, limits);
  const move = (owner: Owner, delta: Holdings): void => {
    add.run('organization', owner.organizationId, delta.memories, delta.bytes);
    add.run('namespace', owner.namespaceId, delta.memories, delta.bytes);
  };
  return {
    of,
    refusal,
    move,
    /** Runs `write` for records of one owner in a write transaction with their holdings, unless a limit refuses. */
    insert(records: readonly (HoldingOwner & { readonly bytes: number })[], kind: 'memories' | 'feedback', limits: HoldingLimits, write: () => void): InsertOutcome {
      const owner = oneOwnerOf(records);
      if (!owner) return { outcome: 'inserted' };
      const delta = holdingsDelta(records, kind);
      return guarded(() =>
        db
          .transaction((): InsertOutcome => {
            const refused = refusal(owner, delta, limits);
            if (refused) return { outcome: 'refused', refusal: refused };
            write();
            move(owner, delta);
            return { outcome: 'inserted' };
          })
          .immediate(),
      );
    },
    /** Gives back what a delete removed from one namespace: rows of organization_id, memories, bytes. */
    release(namespaceId: string, removed: readonly Row[]): Holdings {
      let gone: Holdings = NO_HOLDINGS;
      for (const row of removed) {
        const held = { memories: Number(row.memories ?? 0), bytes: Number(row.bytes) };
        move({ organizationId: String(row.organization_id), namespaceId }, negateHoldings(held));
        gone = addHoldings(gone, held);
      }
      return gone;
    },
  };
}
