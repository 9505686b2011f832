import type { InteractionType } from '../core/catalogue.js';
import type { TollgateError } from '../core/errors.js';
import type { Period } from '../core/periods.js';
import type { ChargeRequest, Metric, RateState, ScopeKind } from '../stores/contract/index.js';

/** Where one scope stands after the decision. */
export interface ScopeUsage {
  readonly scope: ScopeKind;
  readonly scopeId: string;
  readonly metric: Metric;
  readonly used: number;
  /** The hard limit, or for the organization under metered billing the included amount; null = unlimited. */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** When the counter starts again from 0 (end of period), epoch ms; null for standing resources. */
  readonly resetsAtMs: number | null;
}

export interface DecisionBase {
  readonly operation: string;
  readonly type: InteractionType | null;
  readonly cost: number;
  readonly tier: string | null;
  readonly isTrial: boolean;
  readonly period: Period | null;
  readonly scopes: readonly ScopeUsage[];
  /** The call's minute windows (the organization's, a namespace's own), told by the tightest; null without any. */
  readonly rate: RateState | null;
}

export interface Granted extends DecisionBase {
  readonly allowed: true;
  readonly status: 200;
  /** An earlier call with the same Idempotency-Key was charged; this one was not. */
  readonly replayed: boolean;
  /** Interactions past the included amount this call added (metered billing). */
  readonly overage: number;
  /** Served uncounted because the store was unreachable and the operator chose fail-open. */
  readonly failOpen: boolean;
  /** What refund() needs; null when nothing was charged (replay, fail-open). */
  readonly receipt: ChargeRequest | null;
  /** Observe mode: the reason a monthly limit would have refused this call ("quota:organization"); null otherwise. */
  readonly observedRefusal: string | null;
}

export interface Refused extends DecisionBase {
  readonly allowed: false;
  readonly status: number;
  readonly error: TollgateError;
  /** For 429: seconds until a retry can pass. */
  readonly retryAfterSeconds: number | null;
}

export type Decision = Granted | Refused;

/** What every decision about one priced call shares. */
export type CallFacts = Omit<DecisionBase, 'scopes' | 'rate'>;

// Decisions sit on every request: built field by field in one fixed order (not with object
// spread), so that they share one hidden class and cost one allocation.
export function granted(
  facts: CallFacts,
  scopes: readonly ScopeUsage[],
  rate: RateState | null,
  extra: { replayed: boolean; overage: number; failOpen: boolean; receipt: ChargeRequest | null; observedRefusal?: string | null },
): Granted {
  return {
    allowed: true,
    status: 200,
    operation: facts.operation,
    type: facts.type,
    cost: facts.cost,
    tier: facts.tier,
    isTrial: facts.isTrial,
    period: facts.period,
    scopes,
    rate,
    replayed: extra.replayed,
    overage: extra.overage,
    failOpen: extra.failOpen,
    receipt: extra.receipt,
    observedRefusal: extra.observedRefusal ?? null,
  };
}

export function refused(facts: CallFacts, error: TollgateError, retryAfterSeconds: number | null, scopes: readonly ScopeUsage[] = [], rate: RateState | null = null): Refused {
  return {
    allowed: false,
    status: error.status,
    operation: facts.operation,
    type: facts.type,
    cost: facts.cost,
    tier: facts.tier,
    isTrial: facts.isTrial,
    period: facts.period,
    scopes,
    rate,
    error,
    retryAfterSeconds,
  };
}
