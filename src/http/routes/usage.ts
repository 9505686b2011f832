import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { resolveUsageView, type UsageReports } from '../../analytics/index.js';
import { TollgateError } from '../../core/errors.js';
import { parseMonth } from '../../core/periods.js';
import type { ScopeDirectory } from '../../analytics/usage-scopes.js';
import { UsageQuery } from './usage-schemas.js';

/**
 * GET /v1/usage: the usage of the caller's own organization, as resolveUsageView allows: an
 * organization key sees all of it and may narrow to a namespace or key; a namespace key sees its
 * own namespace only.
 */
export async function usageRoutes(parent: FastifyInstance, options: { directory: ScopeDirectory; reports: UsageReports }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: "Usage of the caller's organization in a period",
        querystring: UsageQuery,
      },
      config: { operation: null, permission: 'read' },
    },
    async (request) => {
      const tenant = request.tenant!;
      const q = request.query;
      const month = q.month ? parseMonth(q.month) : null;
      if (q.month && !month) throw new TollgateError('VALIDATION_FAILED', { message: `month must be YYYY-MM with a month from 01 to 12, got "${q.month}".`, details: { field: 'querystring.month' } });
      const view = await resolveUsageView(options.directory, { admin: false, organizationId: tenant.organization.id, apiKey: tenant.apiKey }, {
        organizationId: q.organization_id,
        namespaceId: q.namespace_id,
        apiKeyId: q.api_key_id,
      });
      const page = { offset: q.offset, limit: q.limit };
      return options.reports.report({ organization: tenant.organization, namespace: view.namespace, apiKey: view.apiKey, keyDetails: view.keyDetails, month, page });
    },
  );
}
