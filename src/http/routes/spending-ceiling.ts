import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { INTERACTION_TYPES } from '../../core/catalogue.js';
import { resolveLimits } from '../../core/limit-resolution.js';
import type { Plans } from '../../core/plans.js';
import type { Clock } from '../../core/ports.js';
import { NO_CAP, type Organization } from '../../core/tenants.js';
import type { Tenancy } from '../../tenancy/index.js';
import { COUNT_MAX } from './common-schemas.js';

const Ceiling = Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 0, maximum: COUNT_MAX });

const ORG_KEY_WRITE = { operation: null, keyKinds: ['organization'], permission: 'write' } as const;

const CeilingBody = Type.Object(
  {
    mini: Type.Optional({ ...Ceiling, description: 'The most mini interactions billed in a month (included + overage); null removes the ceiling.' }),
    premium: Type.Optional({ ...Ceiling, description: 'The same for premium interactions.' }),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** What the organization's plan includes and the ceiling above it, per type. */
function ceilingsOf(plans: Plans, org: Organization, nowMs: number) {
  const limits = resolveLimits(plans, { subscription: org.subscription, organizationOverrides: org.rateLimits, namespaceOverrides: null, apiKeyCap: NO_CAP }, nowMs);
  return Object.fromEntries(
    INTERACTION_TYPES.map((type) => [type, limits.ok ? { included: limits.value.monthly[type].organization, ceiling: limits.value.billedCeiling[type] } : { included: null, ceiling: null }]),
  );
}

/** /v1/spending-ceiling: under metered billing, the organization caps what it can be billed in a month (organization key). */
export async function spendingCeilingRoutes(parent: FastifyInstance, options: { tenancy: Tenancy; plans: Plans; clock: Clock }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['usage'];
  app.get('/spending-ceiling', { schema: { tags, summary: 'What the plan includes and the spending ceiling above it, per interaction type' }, config: { operation: null, keyKinds: ['organization'] } }, async (request) =>
    ceilingsOf(options.plans, await options.tenancy.getOrganization(request.tenant!.organization.id), options.clock.now()),
  );
  app.put(
    '/spending-ceiling',
    { schema: { tags, summary: 'Set or remove the monthly spending ceiling (metered billing): calls past it are refused', body: CeilingBody }, config: ORG_KEY_WRITE },
    async (request) => ceilingsOf(options.plans, await options.tenancy.setSpendingCeiling(request.tenant!.organization.id, request.body), options.clock.now()),
  );
}
