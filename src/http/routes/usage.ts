import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UsageReports } from '../../analytics/index.js';
import { TollgateError } from '../../core/errors.js';
import { parseMonth } from '../../core/periods.js';
import type { Tenancy } from '../../tenancy/index.js';
import { UsageQuery } from './usage-schemas.js';

const forbidden = (message: string) => new TollgateError('PERMISSION_DENIED', { message });

/**
 * GET /v1/usage: the usage of the caller's own organization. An organization key sees all of it and
 * may narrow to a namespace or key; a namespace key sees its own namespace only.
 */
export async function usageRoutes(parent: FastifyInstance, options: { tenancy: Tenancy; reports: UsageReports }) {
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
      const org = tenant.organization;
      const q = request.query;
      if (q.organization_id && q.organization_id !== org.id) throw forbidden("An API key reads its own organization's usage only.");
      const month = q.month ? parseMonth(q.month) : null;
      if (q.month && !month) throw new TollgateError('VALIDATION_FAILED', { message: `month must be YYYY-MM with a month from 01 to 12, got "${q.month}".`, details: { field: 'querystring.month' } });

      let namespaceId = q.namespace_id;
      if (tenant.apiKey.kind === 'namespace') {
        if (namespaceId && namespaceId !== tenant.apiKey.namespaceId) throw forbidden('A namespace key reads its own namespace’s usage only.');
        namespaceId = tenant.apiKey.namespaceId!;
      }
      const namespace = namespaceId ? await ownership(options.tenancy).namespaceOf(org.id, namespaceId) : null;
      const apiKey = q.api_key_id ? await ownership(options.tenancy).keyOf(org.id, q.api_key_id, namespace?.id ?? null) : null;
      return options.reports.report({ organization: org, namespace, apiKey, month });
    },
  );
}

/** Finds a namespace or key and checks it belongs to the caller's organization (403 otherwise). */
function ownership(tenancy: Tenancy) {
  return {
    async namespaceOf(organizationId: string, id: string) {
      const ns = await tenancy.getNamespace(id).catch(() => null);
      if (!ns || ns.organizationId !== organizationId) throw forbidden(`Namespace "${id}" is not part of this organization.`);
      return ns;
    },
    async keyOf(organizationId: string, id: string, namespaceId: string | null) {
      const key = await tenancy.getApiKey(id);
      if (!key || key.organizationId !== organizationId || (namespaceId !== null && key.namespaceId !== namespaceId)) {
        throw forbidden(`API key "${id}" is not part of this organization${namespaceId ? ' and namespace' : ''}.`);
      }
      return key;
    },
  };
}
