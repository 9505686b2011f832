import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { resolveUsageView, type UsageAsk, type UsageCaller, type UsageReports } from '../../analytics/index.js';
import type { ScopeDirectory } from '../../analytics/usage-scopes.js';
import { TollgateError } from '../../core/errors.js';
import { ApiKeyInteractionsBody, NamespaceInteractionsBody, OrganizationInteractionsBody } from './functions-schemas.js';

/**
 * Parse-style dashboard functions (POST /functions/<name> → { result }), answering from the exact
 * Interaction records. The admin key (X-Admin-Key, or X-Parse-Master-Key) sees every organization;
 * an API key sees exactly what GET /v1/usage would show it (resolveUsageView: the read permission,
 * its own organization, a namespace key its own namespace), 403 otherwise.
 */
export async function functionRoutes(parent: FastifyInstance, options: { directory: ScopeDirectory; reports: UsageReports }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['functions'];

  // The auth plugin has found the caller (config below): the admin, or an API key with read.
  const callerOf = (request: FastifyRequest): UsageCaller =>
    request.admin ? { admin: true } : { admin: false, organizationId: request.tenant!.organization.id, apiKey: request.tenant!.apiKey };
  const viewOf = async (request: FastifyRequest, ask: UsageAsk) => resolveUsageView(options.directory, callerOf(request), ask);
  const config = { permission: 'read' } as const;
  /**
   * The admin asks by namespace or key id alone: its organization is the one the namespace or key
   * belongs to (404 when none has it). A key's own organization is assumed, so that another
   * organization's id is refused exactly as /v1/usage refuses it.
   */
  const scopedView = async (request: FastifyRequest, kind: 'namespace' | 'API key', id: string, owner: { organizationId: string } | null, ask: UsageAsk) => {
    const caller = callerOf(request);
    if (caller.admin && !owner) throw new TollgateError('NOT_FOUND', { message: `No ${kind} with id "${id}".`, details: { field: kind === 'namespace' ? 'namespaceId' : 'apiKeyId' } });
    return resolveUsageView(options.directory, caller, { ...ask, organizationId: caller.admin ? owner!.organizationId : undefined });
  };

  app.post(
    '/functions/getOrganizationInteractions',
    { schema: { tags, summary: 'Interactions of an organization in a month', body: OrganizationInteractionsBody }, config },
    async (request) => {
      const { organizationId, month, year } = request.body;
      await viewOf(request, { organizationId, wholeOrganization: true });
      return { result: await options.reports.interactionTotals({ organizationId, month, year }) };
    },
  );

  app.post(
    '/functions/getNamespaceInteractions',
    { schema: { tags, summary: 'Interactions of a namespace in a month', body: NamespaceInteractionsBody }, config },
    async (request) => {
      const { namespaceId, month, year } = request.body;
      const view = await scopedView(request, 'namespace', namespaceId, await options.directory.getNamespace(namespaceId).catch(() => null), { namespaceId });
      return { result: await options.reports.interactionTotals({ namespaceId: view.namespace!.id, month, year }) };
    },
  );

  app.post(
    '/functions/getApiKeyInteractions',
    { schema: { tags, summary: 'Interactions of an API key in a month', body: ApiKeyInteractionsBody }, config },
    async (request) => {
      const { apiKeyId, month, year } = request.body;
      const view = await scopedView(request, 'API key', apiKeyId, await options.directory.getApiKey(apiKeyId).catch(() => null), { apiKeyId });
      return { result: await options.reports.interactionTotals({ apiKeyId: view.apiKey!.id, month, year }) };
    },
  );
}
