import type { FastifyRequest } from 'fastify';
import type { Result } from '../../core/errors.js';
import type { HoldingLimits } from '../../core/holdings.js';
import type { MemoryScope } from '../../memory/index.js';
import type { TenantContext } from '../../metering/index.js';

/** What the caller's organization and namespace may hold, from its plan. */
export type HoldingLimitsOf = (tenant: TenantContext) => Result<HoldingLimits>;

/**
 * Where a memory or feedback call acts: the caller's namespace (an organization key's default one,
 * which the auth plugin sets for routes that say `needsNamespace`), with what it may hold.
 */
export function memoryScopeOf(request: FastifyRequest, holdingLimits: HoldingLimitsOf): MemoryScope {
  const tenant = request.tenant!;
  const limits = holdingLimits(tenant);
  if (!limits.ok) throw limits.error;
  return { organizationId: tenant.organization.id, namespaceId: tenant.namespace!.id, userId: tenant.apiKey.userId, limits: limits.value };
}
