import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UsageReports } from '../../analytics/index.js';
import { TollgateError } from '../../core/errors.js';
import type { Meter } from '../../metering/index.js';
import type { AdminKeys, Tenancy } from '../../tenancy/index.js';
import { apiKeyOf } from '../plugins/auth.js';
import { ApiKeyInteractionsBody, NamespaceInteractionsBody, OrganizationInteractionsBody } from './functions-schemas.js';

/**
 * Parse-style dashboard functions (POST /functions/<name> → { result }), answering from the exact
 * Interaction records. The admin key (X-Admin-Key, or X-Parse-Master-Key) sees every organization;
 * an API key sees its own organization only (403 otherwise).
 */
export async function functionRoutes(parent: FastifyInstance, options: { meter: Meter; tenancy: Tenancy; adminKeys: AdminKeys; reports: UsageReports }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['functions'];

  /** The organization the caller may read, or null for the admin (any). */
  const callerOrganization = async (request: FastifyRequest): Promise<string | null> => {
    const admin = request.headers['x-admin-key'] ?? request.headers['x-parse-master-key'];
    if (typeof admin === 'string' && (await options.adminKeys.verify(admin))) return null;
    const auth = await options.meter.authenticate(apiKeyOf(request));
    if (!auth.ok) throw auth.error;
    return auth.value.organization.id;
  };
  const denied = () => new TollgateError('PERMISSION_DENIED', { message: "An API key reads its own organization's interactions only." });

  app.post(
    '/functions/getOrganizationInteractions',
    { schema: { tags, summary: 'Interactions of an organization in a month', body: OrganizationInteractionsBody } },
    async (request) => {
      const allowed = await callerOrganization(request);
      const { organizationId, month, year } = request.body;
      if (allowed !== null && allowed !== organizationId) throw denied();
      return { result: await options.reports.interactionTotals({ organizationId, month, year }) };
    },
  );

  app.post(
    '/functions/getNamespaceInteractions',
    { schema: { tags, summary: 'Interactions of a namespace in a month', body: NamespaceInteractionsBody } },
    async (request) => {
      const allowed = await callerOrganization(request);
      const { namespaceId, month, year } = request.body;
      if (allowed !== null) {
        const ns = await options.tenancy.getNamespace(namespaceId).catch(() => null);
        if (!ns || ns.organizationId !== allowed) throw denied();
      }
      return { result: await options.reports.interactionTotals({ namespaceId, month, year }) };
    },
  );

  app.post(
    '/functions/getApiKeyInteractions',
    { schema: { tags, summary: 'Interactions of an API key in a month', body: ApiKeyInteractionsBody } },
    async (request) => {
      const allowed = await callerOrganization(request);
      const { apiKeyId, month, year } = request.body;
      if (allowed !== null) {
        const key = await options.tenancy.getApiKey(apiKeyId);
        if (!key || key.organizationId !== allowed) throw denied();
      }
      return { result: await options.reports.interactionTotals({ apiKeyId, month, year }) };
    },
  );
}
