import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TollgateError } from '../../core/errors.js';
import type { Namespace } from '../../core/tenants.js';
import type { MemoryService } from '../../memory/index.js';
import type { Tenancy } from '../../tenancy/index.js';
import { success } from '../envelope.js';
import { CreateKeyBody, CreateNamespaceBody, DeleteNamespaceQuery, ListNamespacesQuery, NamespaceParams, UpdateNamespaceBody } from './namespace-schemas.js';
import { toNamespaceJson } from './tenancy-mapper.js';

const ORG_KEY = { operation: null, keyKinds: ['organization'] } as const;

/** Namespaces and their keys, managed with an organization key (Papr v1 /v1/namespace). */
export async function namespaceRoutes(parent: FastifyInstance, options: { tenancy: Tenancy; memory: MemoryService }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { tenancy, memory } = options;
  const tags = ['namespace'];

  /** A namespace of the caller's organization; another organization's is "not found", so ids leak nothing. */
  const own = async (organizationId: string, id: string): Promise<Namespace> => {
    const ns = await tenancy.getNamespace(id).catch(() => null);
    if (!ns || ns.organizationId !== organizationId) throw new TollgateError('NOT_FOUND', { message: `No namespace with id "${id}".`, details: { namespace_id: id } });
    return ns;
  };

  app.post(
    '/namespace',
    {
      schema: {
        tags,
        summary: 'Create a namespace',
        body: CreateNamespaceBody,
      },
      config: { ...ORG_KEY, permission: 'write' },
    },
    async (request) => {
      const { name, environment_type, is_active, rate_limits } = request.body;
      const ns = await tenancy.createNamespace(request.tenant!.organization.id, {
        name,
        ...(environment_type ? { environmentType: environment_type } : {}),
        ...(is_active !== undefined ? { isActive: is_active } : {}),
        ...(rate_limits ? { rateLimits: rate_limits } : {}),
      });
      return success(toNamespaceJson(ns));
    },
  );

  app.get(
    '/namespace',
    {
      schema: {
        tags,
        summary: "List the organization's namespaces",
        querystring: ListNamespacesQuery,
      },
      config: ORG_KEY,
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const skip = request.query.skip ?? 0;
      const page = await tenancy.listNamespaces(request.tenant!.organization.id, { offset: skip, limit });
      return success(page.items.map(toNamespaceJson), { total: page.total, page: Math.floor(skip / limit) + 1, page_size: limit });
    },
  );

  app.get('/namespace/:namespace_id', { schema: { tags, summary: 'Get a namespace', params: NamespaceParams }, config: ORG_KEY }, async (request) =>
    success(toNamespaceJson(await own(request.tenant!.organization.id, request.params.namespace_id))),
  );

  app.put(
    '/namespace/:namespace_id',
    {
      schema: {
        tags,
        summary: 'Update a namespace',
        params: NamespaceParams,
        body: UpdateNamespaceBody,
      },
      config: { ...ORG_KEY, permission: 'write' },
    },
    async (request) => {
      const ns = await own(request.tenant!.organization.id, request.params.namespace_id);
      const { name, environment_type, is_active, rate_limits } = request.body;
      const updated = await tenancy.updateNamespace(ns.id, {
        ...(name ? { name } : {}),
        ...(environment_type ? { environmentType: environment_type } : {}),
        ...(is_active !== undefined && is_active !== null ? { isActive: is_active } : {}),
        ...(rate_limits !== undefined ? { rateLimits: rate_limits ?? {} } : {}),
      });
      return success(toNamespaceJson(updated));
    },
  );

  app.delete(
    '/namespace/:namespace_id',
    {
      schema: { tags, summary: 'Delete a namespace, its memories, and revoke its keys', params: NamespaceParams, querystring: DeleteNamespaceQuery },
      config: { ...ORG_KEY, permission: 'delete' },
    },
    async (request) => {
      const tenant = request.tenant!;
      const ns = await own(tenant.organization.id, request.params.namespace_id);
      // Its memories go with it: nothing could reach them afterwards, and they must stop counting.
      const removed = await memory.deleteNamespaceContent({ namespaceId: ns.id });
      await tenancy.deleteNamespace(ns.id);
      return { code: 200, status: 'success', error: null, details: null, namespace_id: ns.id, message: `Namespace ${ns.name} deleted.`, cascade: { memories_deleted: removed.memories, memories_failed: 0 } };
    },
  );

  app.post(
    '/namespace/:namespace_id/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key in a namespace (the key is shown only in this response)',
        params: NamespaceParams,
        body: CreateKeyBody,
      },
      config: { ...ORG_KEY, permission: 'write' },
    },
    async (request) => {
      const tenant = request.tenant!;
      const ns = await own(tenant.organization.id, request.params.namespace_id);
      const { name, permissions } = request.body;
      const issued = await tenancy.issueNamespaceKey(ns.id, { name, ...(permissions ? { permissions } : {}), userId: tenant.apiKey.userId }, tenant.apiKey);
      return success({
        objectId: issued.apiKey.id,
        key: issued.key,
        key_prefix: issued.apiKey.prefix,
        name: issued.apiKey.name,
        namespace_id: ns.id,
        organization_id: ns.organizationId,
        environment: request.body.environment ?? ns.environmentType,
        permissions: issued.apiKey.permissions,
        is_active: true,
        createdAt: new Date(issued.apiKey.createdAt).toISOString(),
      });
    },
  );
}
