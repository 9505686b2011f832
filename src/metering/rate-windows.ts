import type { RateLimits } from '../core/limit-resolution.js';
import type { RateRule, ScopeKind } from '../stores/contract/index.js';
import type { TenantContext } from './tenant-context.js';

/** A minute window plus the scope it limits, which a refusal names. */
export interface PlannedRate extends RateRule {
  readonly scope: Exclude<ScopeKind, 'api_key'>;
}

const NONE: readonly PlannedRate[] = [];

/**
 * The minute windows a call counts in: the organization's, one for all its keys and namespaces
 * (keyed by its id, so that minting keys adds no calls), and a namespace's own where it sets one.
 */
export function rateWindows(context: TenantContext, perMinute: RateLimits, windowMs: number): readonly PlannedRate[] {
  const { organization, namespace } = perMinute;
  if (namespace === null || context.namespace === null) {
    return organization === null ? NONE : [{ scope: 'organization', key: context.organization.id, limit: organization, windowMs }];
  }
  const own: PlannedRate = { scope: 'namespace', key: context.namespace.id, limit: namespace, windowMs };
  return organization === null ? [own] : [{ scope: 'organization', key: context.organization.id, limit: organization, windowMs }, own];
}
