import { TollgateError } from '../core/errors.js';
import { holdingRefusalReason, type HoldingLimits, type HoldingMetric, type HoldingRefusal, type HoldingScope } from '../core/holdings.js';

const SCOPE_WORDS: Record<HoldingScope, string> = { organization: 'the organization', namespace: 'the namespace' };
const LIMIT_NAMES: Record<HoldingMetric, string> = { memories: 'max_active_memories', bytes: 'max_storage_gb' };

/** The error for a write a holding refused: what is full, by how much, and what the caller can do. */
export function holdingRefusalError(refusal: HoldingRefusal, limits: HoldingLimits): TollgateError {
  const { scope, metric, used, limit, requested } = refusal;
  const what = metric === 'memories' ? `${used} of ${limit} active memories` : `${used} of ${limit} bytes of storage`;
  const adds = metric === 'memories' ? `${requested} ${requested === 1 ? 'memory' : 'memories'}` : `${requested} bytes`;
  return new TollgateError('RESOURCE_LIMIT_EXCEEDED', {
    message: `Resource limit reached: ${SCOPE_WORDS[scope]} holds ${what}; this call would add ${adds}. Delete memories or upgrade the plan.`,
    details: {
      error: 'Resource limit reached',
      limit_name: LIMIT_NAMES[metric],
      current_count: used,
      limit,
      requested,
      tier: limits.tier,
      is_trial: limits.isTrial,
      scope,
    },
  });
}

/** For analytics: the reason of a refusal holdingRefusalError made ("storage:namespace", …), else null. */
export function holdingRefusalReasonOf(error: TollgateError): string | null {
  if (error.code !== 'RESOURCE_LIMIT_EXCEEDED') return null;
  const { scope, limit_name } = error.details;
  if (scope !== 'organization' && scope !== 'namespace') return null;
  return holdingRefusalReason({ scope, metric: limit_name === LIMIT_NAMES.memories ? 'memories' : 'bytes' });
}
