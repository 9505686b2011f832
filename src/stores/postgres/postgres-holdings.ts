import { addHoldings, findHoldingRefusal, negateHoldings, NO_HOLDINGS, type HoldingLimits, type Holdings, type HoldingScope } from '../../core/holdings.js';
import type { InsertOutcome } from '../contract/index.js';
import { holdingsDelta, oneOwnerOf, type HoldingOwner } from '../shared/holdings-delta.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import type { Row } from './postgres-mapper.js';
import { withTransaction } from './postgres-transaction.js';

type Owner = { readonly organizationId: string; readonly namespaceId: string };

/**
 * Adds `delta` to an owner's holdings inside the caller's transaction and returns them after (a
 * zero delta reads them, locked). The rows are locked organization first, then namespace, by every
 * write of memories and feedback: concurrent writes of one organization queue on its row instead
 * of deadlocking.
 */
export async function moveHoldings(client: PostgresPoolClient, schema: string, owner: Owner, delta: Holdings): Promise<{ organization: Holdings; namespace: Holdings }> {
  const { rows } = await client.query(
    `INSERT INTO ${schema}.holdings AS h (scope, scope_id, memories, bytes) VALUES ('organization', $1, $3, $4), ('namespace', $2, $3, $4)
     ON CONFLICT (scope, scope_id) DO UPDATE SET memories = h.memories + excluded.memories, bytes = h.bytes + excluded.bytes
     RETURNING scope, memories, bytes`,
    [owner.organizationId, owner.namespaceId, delta.memories, delta.bytes],
  );
  const of = (scope: HoldingScope): Holdings => {
    const row = rows.find((r) => r.scope === scope)!;
    return { memories: Number(row.memories), bytes: Number(row.bytes) };
  };
  return { organization: of('organization'), namespace: of('namespace') };
}

/** Runs `write` for records of one owner in one transaction with their holdings, unless a limit refuses. */
export async function insertHeld(
  pool: PostgresPool,
  schema: string,
  records: readonly (HoldingOwner & { readonly bytes: number })[],
  kind: 'memories' | 'feedback',
  limits: HoldingLimits,
  write: (client: PostgresPoolClient) => Promise<unknown>,
): Promise<InsertOutcome> {
  const owner = oneOwnerOf(records);
  if (!owner) return { outcome: 'inserted' };
  const delta = holdingsDelta(records, kind);
  return withTransaction(pool, async (client): Promise<InsertOutcome> => {
    const refusal = findHoldingRefusal(await moveHoldings(client, schema, owner, NO_HOLDINGS), delta, limits);
    if (refusal) return { outcome: 'refused', refusal };
    await write(client);
    await moveHoldings(client, schema, owner, delta);
    return { outcome: 'inserted' };
  });
}

/** Gives back what a delete removed from one namespace: rows of organization_id, memories, bytes. */
export async function releaseHeld(client: PostgresPoolClient, schema: string, namespaceId: string, removed: readonly Row[]): Promise<Holdings> {
  let gone: Holdings = NO_HOLDINGS;
  for (const row of removed) {
    const held = { memories: Number(row.memories ?? 0), bytes: Number(row.bytes) };
    await moveHoldings(client, schema, { organizationId: String(row.organization_id), namespaceId }, negateHoldings(held));
    gone = addHoldings(gone, held);
  }
  return gone;
}
