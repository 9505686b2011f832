import type { InteractionType } from '../core/catalogue.js';
import type { ResolvedLimits, ScopedLimit } from '../core/limit-resolution.js';
import type { Period } from '../core/periods.js';
import type { ChargeLine, ScopeKind } from '../stores/contract/index.js';
import type { TenantContext } from './tenant-context.js';

/** A line plus what the decision reports about it beyond the ledger's view. */
export interface PlannedLine extends ChargeLine {
  /** Under metered billing, the organization's included amount (the line itself has no hard limit). */
  readonly included: number | null;
  /** Observe mode: the limit that would apply, counted against but never refusing; null otherwise. */
  readonly observedLimit: number | null;
  readonly resetsAtMs: number | null;
}

function scopesOf(context: TenantContext): [ScopeKind, string][] {
  const scopes: [ScopeKind, string][] = [['organization', context.organization.id]];
  if (context.namespace) scopes.push(['namespace', context.namespace.id]);
  scopes.push(['api_key', context.apiKey.id]);
  return scopes;
}

function pickScope(limit: ScopedLimit, scope: ScopeKind): number | null {
  return scope === 'organization' ? limit.organization : scope === 'namespace' ? limit.namespace : limit.apiKey;
}

/**
 * The counters a call of one interaction type moves in a period: organization, namespace, key
 * (amount 0 here; the engine sets the call's cost). With metered billing the organization's
 * monthly limit becomes an included amount, not a wall (its spending ceiling is, when set); namespace overrides and key caps stay
 * hard limits, since customers set them to protect themselves.
 */
export function monthlyLines(context: TenantContext, limits: ResolvedLimits, type: InteractionType, period: Period, observe = false): PlannedLine[] {
  const monthly = limits.monthly[type];
  return scopesOf(context).map(([scope, scopeId]) => {
    const limit = pickScope(monthly, scope);
    const soft = scope === 'organization' && limits.meteredBilling;
    return {
      counter: Object.freeze({ scope, scopeId, metric: type, period: period.key, organizationId: context.organization.id }),
      amount: 0,
      ...hardOrObserved(soft ? limits.billedCeiling[type] : limit, observe),
      included: soft ? limit : null,
      resetsAtMs: period.endMs,
    };
  });
}

/** Metered: the included amount is not a wall; the spending ceiling, when one is set, is. Observe mode: no limit refuses. */
function hardOrObserved(limit: number | null, observe: boolean): { limit: number | null; observedLimit: number | null } {
  return observe ? { limit: null, observedLimit: limit } : { limit, observedLimit: null };
}
