import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { resolveUsageView, type UsageReports } from '../../analytics/index.js';
import type { ScopeDirectory } from '../../analytics/usage-scopes.js';
import { TollgateError } from '../../core/errors.js';
import { parseMonth } from '../../core/periods.js';
import type { Plans } from '../../core/plans.js';
import { SUBSCRIPTION_STATUSES, type Enforcement } from '../../core/tenants.js';
import type { IssuedApiKey, Tenancy } from '../../tenancy/index.js';
import { CreateNamespaceBody, CreateOrganizationBody, IdParams, KeyBody, PageQuery, UpdateNamespaceBody, UpdateOrganizationBody, UsageQuery } from './admin-schemas.js';
import { toApiKeyJson, toEpoch, toNamespaceJson, toOrganizationJson } from './tenancy-mapper.js';

type SubscriptionBody = {
  status?: (typeof SUBSCRIPTION_STATUSES)[number];
  metered_billing?: boolean;
  trial_ends_at?: string | null;
  billing_customer_id?: string | null;
  billing_anchor_day?: number | null;
  enforcement?: Enforcement | null;
};

const subscriptionInput = (s: SubscriptionBody | undefined) =>
  s && {
    ...(s.status !== undefined ? { status: s.status } : {}),
    ...(s.metered_billing !== undefined ? { meteredBilling: s.metered_billing } : {}),
    ...(s.trial_ends_at !== undefined ? { trialEndsAt: toEpoch(s.trial_ends_at) ?? null } : {}),
    ...(s.billing_customer_id !== undefined ? { billingCustomerId: s.billing_customer_id } : {}),
    ...(s.billing_anchor_day !== undefined ? { billingAnchorDay: s.billing_anchor_day } : {}),
    ...(s.enforcement !== undefined ? { enforcement: s.enforcement } : {}),
  };

const issuedJson = (issued: IssuedApiKey) => ({ ...toApiKeyJson(issued.apiKey), key: issued.key });

/** The operator's API (X-Admin-Key): organizations, plans, namespaces, keys, usage. */
export async function adminRoutes(parent: FastifyInstance, options: { tenancy: Tenancy; plans: Plans; reports: UsageReports; directory: ScopeDirectory }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { tenancy } = options;
  const tags = ['admin'];

  app.post(
    '/organizations',
    {
      schema: {
        tags,
        summary: 'Create an organization (with its workspace and owner user)',
        body: CreateOrganizationBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const org = await tenancy.createOrganization({
        name: b.name,
        ...(b.plan_tier ? { planTier: b.plan_tier } : {}),
        ...(b.subscription ? { subscription: subscriptionInput(b.subscription) } : {}),
        ...(b.rate_limits ? { rateLimits: b.rate_limits } : {}),
        ...(b.company_id !== undefined ? { companyId: b.company_id } : {}),
      });
      return reply.code(201).send(toOrganizationJson(org));
    },
  );

  app.get('/organizations', { schema: { tags, summary: 'List organizations', querystring: PageQuery } }, async (request) => {
    const page = await tenancy.listOrganizations({ offset: request.query.offset ?? 0, limit: request.query.limit ?? 100 });
    return { items: page.items.map(toOrganizationJson), total: page.total };
  });

  app.get('/organizations/:id', { schema: { tags, summary: 'Get an organization', params: IdParams } }, async (request) => toOrganizationJson(await tenancy.getOrganization(request.params.id)));

  app.patch(
    '/organizations/:id',
    {
      schema: {
        tags,
        summary: "Change an organization's name, plan, subscription or limit overrides",
        params: IdParams,
        body: UpdateOrganizationBody,
      },
    },
    async (request) => {
      const b = request.body;
      const org = await tenancy.updateOrganization(request.params.id, {
        ...(b.name ? { name: b.name } : {}),
        ...(b.plan_tier ? { planTier: b.plan_tier } : {}),
        ...(b.subscription ? { subscription: subscriptionInput(b.subscription) } : {}),
        ...(b.rate_limits ? { rateLimits: b.rate_limits } : {}),
      });
      return toOrganizationJson(org);
    },
  );

  app.post(
    '/organizations/:id/namespaces',
    {
      schema: {
        tags,
        summary: 'Create a namespace',
        params: IdParams,
        body: CreateNamespaceBody,
      },
    },
    async (request, reply) => {
      const b = request.body;
      const ns = await tenancy.createNamespace(request.params.id, {
        name: b.name,
        ...(b.environment_type ? { environmentType: b.environment_type } : {}),
        ...(b.rate_limits ? { rateLimits: b.rate_limits } : {}),
        ...(b.is_active !== undefined ? { isActive: b.is_active } : {}),
      });
      return reply.code(201).send(toNamespaceJson(ns));
    },
  );

  app.get('/organizations/:id/namespaces', { schema: { tags, summary: "List an organization's namespaces", params: IdParams, querystring: PageQuery } }, async (request) => {
    await tenancy.getOrganization(request.params.id);
    const page = await tenancy.listNamespaces(request.params.id, { offset: request.query.offset ?? 0, limit: request.query.limit ?? 100 });
    return { items: page.items.map(toNamespaceJson), total: page.total };
  });

  app.patch(
    '/namespaces/:id',
    {
      schema: {
        tags,
        summary: 'Change a namespace',
        params: IdParams,
        body: UpdateNamespaceBody,
      },
    },
    async (request) => {
      const b = request.body;
      const ns = await tenancy.updateNamespace(request.params.id, {
        ...(b.name ? { name: b.name } : {}),
        ...(b.environment_type ? { environmentType: b.environment_type } : {}),
        ...(b.rate_limits ? { rateLimits: b.rate_limits } : {}),
        ...(b.is_active !== undefined ? { isActive: b.is_active } : {}),
      });
      return toNamespaceJson(ns);
    },
  );

  const keyInput = (b: { name: string; permissions?: string[]; monthly_cap?: number | { mini?: number | null; premium?: number | null } | null; expires_at?: string | null }) => ({
    name: b.name,
    ...(b.permissions ? { permissions: b.permissions } : {}),
    ...(b.monthly_cap !== undefined ? { monthlyCap: b.monthly_cap } : {}),
    ...(b.expires_at !== undefined ? { expiresAt: toEpoch(b.expires_at) ?? null } : {}),
  });

  app.post('/organizations/:id/api-keys', { schema: { tags, summary: 'Create an organization key (shown only in this response)', params: IdParams, body: KeyBody } }, async (request, reply) =>
    reply.code(201).send(issuedJson(await tenancy.issueOrganizationKey(request.params.id, keyInput(request.body)))),
  );

  app.post('/namespaces/:id/api-keys', { schema: { tags, summary: 'Create a namespace key (shown only in this response)', params: IdParams, body: KeyBody } }, async (request, reply) =>
    reply.code(201).send(issuedJson(await tenancy.issueNamespaceKey(request.params.id, keyInput(request.body)))),
  );

  app.get('/namespaces/:id/api-keys', { schema: { tags, summary: "List a namespace's keys (no secrets)", params: IdParams } }, async (request) => {
    const ns = await tenancy.getNamespace(request.params.id);
    return { items: (await tenancy.listApiKeys({ organizationId: ns.organizationId, namespaceId: ns.id })).map(toApiKeyJson) };
  });

  app.get('/organizations/:id/api-keys', { schema: { tags, summary: "List all of an organization's keys (no secrets)", params: IdParams } }, async (request) => {
    await tenancy.getOrganization(request.params.id);
    return { items: (await tenancy.listApiKeys({ organizationId: request.params.id })).map(toApiKeyJson) };
  });

  app.delete('/api-keys/:id', { schema: { tags, summary: 'Revoke a key', params: IdParams } }, async (request) => toApiKeyJson(await tenancy.revokeApiKey(request.params.id)));

  app.get(
    '/organizations/:id/usage',
    {
      schema: {
        tags,
        summary: "An organization's usage (the same report as GET /v1/usage)",
        params: IdParams,
        querystring: UsageQuery,
      },
    },
    async (request) => {
      const org = await tenancy.getOrganization(request.params.id);
      const q = request.query;
      const month = q.month ? parseMonth(q.month) : null;
      if (q.month && !month) throw new TollgateError('VALIDATION_FAILED', { message: 'month must be YYYY-MM', details: { field: 'querystring.month' } });
      const view = await resolveUsageView(options.directory, { admin: true }, { organizationId: org.id, namespaceId: q.namespace_id, apiKeyId: q.api_key_id });
      return options.reports.report({ organization: org, namespace: view.namespace, apiKey: view.apiKey, month, page: { offset: q.offset, limit: q.limit } });
    },
  );

  app.get('/plans', { schema: { tags, summary: 'The plan tiers and their limits' } }, async () => ({
    trial_tier: options.plans.trialTier,
    tiers: Object.fromEntries(options.plans.tiers),
  }));
}
