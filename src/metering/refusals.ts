import { TollgateError } from '../core/errors.js';
import type { Period } from '../core/periods.js';
import type { RateState } from '../stores/contract/index.js';
import type { PlannedLine } from './charge-lines.js';
import type { PlannedRate } from './rate-windows.js';

const SCOPE_WORDS = { organization: 'the organization', namespace: 'the namespace', api_key: 'this API key' } as const;

export interface RefusalFacts {
  readonly operation: string;
  readonly cost: number;
  readonly tier: string;
  readonly isTrial: boolean;
  readonly period: Period;
  readonly nowMs: number;
}

/** The error for a call a monthly counter refused: what is full, by how much, and what the caller can do. */
export function limitRefusal(line: PlannedLine, used: number, facts: RefusalFacts): { error: TollgateError; retryAfterSeconds: number | null } {
  const { counter } = line;
  const limit = line.limit ?? 0;
  const where = SCOPE_WORDS[counter.scope];
  const resetsAt = new Date(facts.period.endMs).toISOString();
  const retryAfterSeconds = Math.max(1, Math.ceil((facts.period.endMs - facts.nowMs) / 1000));
  return {
    error: new TollgateError('QUOTA_EXCEEDED', {
      message:
        `Interaction limit reached: ${where} has used ${used} of ${limit} ${counter.metric} interactions this period and this call costs ${facts.cost}. ` +
        `The limit resets at ${resetsAt}${facts.isTrial ? '; choose a plan to raise it' : '; upgrade the plan to raise it'}.`,
      details: {
        error: 'Interaction limit reached',
        current_count: used,
        limit,
        operation_cost: facts.cost,
        operation: facts.operation,
        tier: facts.tier,
        is_trial: facts.isTrial,
        scope: counter.scope,
        interaction_type: counter.metric,
        period: facts.period.key,
        resets_at: resetsAt,
        retry_after_seconds: retryAfterSeconds,
      },
    }),
    retryAfterSeconds,
  };
}

/** The error for a call a minute window refused: whose window, its size, and when to retry. */
export function rateRefusal(scope: PlannedRate['scope'], rate: RateState, operation: string): { error: TollgateError; retryAfterSeconds: number } {
  const retryAfterSeconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
  return {
    error: new TollgateError('RATE_LIMITED', {
      message: `Rate limit reached: at most ${rate.limit} calls per minute for this ${scope}. Retry in ${retryAfterSeconds} s.`,
      details: { error: 'Rate limit reached', limit: rate.limit, window: 'minute', scope, retry_after_seconds: retryAfterSeconds, operation },
    }),
    retryAfterSeconds,
  };
}
