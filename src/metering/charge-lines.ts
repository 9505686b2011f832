import type { Price } from '../core/cost.js';
import type { ResolvedLimits, ScopedLimit } from '../core/limit-resolution.js';
import type { Period } from '../core/periods.js';
import { LIFETIME, type ChargeLine, type Metric, type ScopeKind } from '../stores/contract.js';
import type { TenantContext } from './tenant-context.js';

export interface Resources {
  /** Memories the call adds (or, released, removes). */
  readonly activeMemories?: number;
  /** Bytes of content the call adds (or removes). */
  readonly storageBytes?: number;
}

/** A line plus what the decision reports about it beyond the ledger's view. */
export interface PlannedLine extends ChargeLine {
  /** Under metered billing, the organization's included amount (the line itself has no hard limit). */
  readonly included: number | null;
  readonly resetsAtMs: number | null;
}

/**
 * The counters one call moves: its interaction type in the organization, the namespace and the
 * key for the period, plus standing resources (active memories, storage) where the call adds them.
 * With metered billing the organization's monthly limit becomes an included amount, not a wall;
 * namespace overrides and key caps stay hard limits, since customers set them to protect themselves.
 */
export function planChargeLines(context: TenantContext, limits: ResolvedLimits, price: Price, period: Period, resources: Resources = {}): PlannedLine[] {
  const lines: PlannedLine[] = [];
  const scopes: [ScopeKind, string | null][] = [
    ['organization', context.organization.id],
    ['namespace', context.namespace?.id ?? null],
    ['api_key', context.apiKey.id],
  ];
  const monthly = limits.monthly[price.type];
  for (const [scope, scopeId] of scopes) {
    if (scopeId === null) continue;
    const limit = pickScope(monthly, scope);
    const soft = scope === 'organization' && limits.meteredBilling;
    lines.push({
      counter: { scope, scopeId, metric: price.type, period: period.key },
      amount: price.cost,
      limit: soft ? null : limit,
      included: soft ? limit : null,
      resetsAtMs: period.endMs,
    });
  }
  const standing: [Metric, number | undefined, ScopedLimit][] = [
    ['active_memories', resources.activeMemories, limits.activeMemories],
    ['storage_bytes', resources.storageBytes, limits.storageBytes],
  ];
  for (const [metric, amount, limit] of standing) {
    if (!amount) continue;
    for (const [scope, scopeId] of scopes.slice(0, 2)) {
      if (scopeId === null) continue;
      lines.push({ counter: { scope, scopeId, metric, period: LIFETIME }, amount, limit: pickScope(limit, scope), included: null, resetsAtMs: null });
    }
  }
  return lines;
}

function pickScope(limit: ScopedLimit, scope: ScopeKind): number | null {
  return scope === 'organization' ? limit.organization : scope === 'namespace' ? limit.namespace : limit.apiKey;
}
