import { addHoldings, NO_HOLDINGS, type Holdings, type HoldingScope } from '../../core/holdings.js';

export type RamHoldings = ReturnType<typeof createRamHoldings>;

/** Holdings of a RAM store, shared by its memories and its feedback. */
export function createRamHoldings() {
  const held = new Map<string, Holdings>();
  const of = (scope: HoldingScope, id: string): Holdings => held.get(`${scope}:${id}`) ?? NO_HOLDINGS;
  return {
    of,
    heldBy: (owner: { organizationId: string; namespaceId: string }) => ({ organization: of('organization', owner.organizationId), namespace: of('namespace', owner.namespaceId) }),
    move(owner: { organizationId: string; namespaceId: string }, delta: Holdings): void {
      held.set(`organization:${owner.organizationId}`, addHoldings(of('organization', owner.organizationId), delta));
      held.set(`namespace:${owner.namespaceId}`, addHoldings(of('namespace', owner.namespaceId), delta));
    },
  };
}
