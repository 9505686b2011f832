import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HTTPMethods } from 'fastify';
import { BILLED_CEILING_FIELDS, LIMIT_FIELDS, type LimitField } from '../../src/core/plans.js';
import type { Permission } from '../../src/core/tenants.js';
import { manualClock } from '../support/clock.js';
import { buildWorld, CALLER_NAMES, NOW, routesOf, TOKEN, unique, type Caller, type NamespaceFixture, type OrgFixture, type Side, type World } from './support/isolation-world.js';
import { startServer } from './support/server.js';

/**
 * The tenant-isolation matrix: every route of the app (read from Fastify's route tree, so a route
 * added later joins by itself and fails until the table below says how to call it) × every kind of
 * caller of organization A × three targets (the caller's own namespace, another namespace of A, a
 * namespace of organization B). Each case is judged on its status, on what its body shows (every
 * id, name, content and prefix of the world is a secret of its owner) and on what it changed; B's
 * whole state is compared before and after all of A's calls.
 */

type TargetKind = 'own' | 'sibling' | 'foreign';
const TARGETS: readonly TargetKind[] = ['own', 'sibling', 'foreign'];
interface Target {
  readonly kind: TargetKind;
  readonly side: Side;
  readonly org: OrgFixture;
  readonly ns: NamespaceFixture;
}
type Category = 'auth' | 'permission' | 'cross-org' | 'intra-org' | 'control' | 'public' | 'server';
type Outcome = 'allow' | 'deny' | 'either';
interface Expectation {
  readonly outcome: Outcome;
  readonly statuses: readonly number[];
  readonly category: Category;
  readonly why: string;
}
interface Response {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}
interface Problem {
  readonly message: string;
  readonly category?: Category;
}
interface Case {
  readonly route: string;
  readonly method: string;
  readonly variant: string;
  readonly entry: RouteEntry;
  readonly caller: Caller;
  readonly target: Target;
  readonly expected: Expectation;
}
interface Request {
  readonly url: string;
  readonly body?: unknown;
  /** What the call changed, judged after all calls. */
  readonly verify?: (res: Response) => Promise<Problem[]>;
}
type Build = (w: World, c: Case) => Promise<Request>;
interface Variant {
  readonly build: Build;
  readonly addressing?: 'path' | 'field';
}
interface RouteEntry {
  readonly access: 'public' | 'admin' | 'key' | 'function';
  /** The permission the route needs (by default: GET/HEAD read, DELETE delete, others write). */
  readonly permission?: Permission;
  readonly orgKeyOnly?: true;
  /** namespace: memories, feedback, a namespace's usage; organization: the organization's namespaces. */
  readonly scope?: 'namespace' | 'organization';
  /**
   * path: the target is addressed by its id (another tenant's is 403 or 404); field: the target is
   * only named in the query or body, and the call must act on the caller's own scope anyway.
   */
  readonly addressing?: 'path' | 'field';
  /** An organization key on another namespace of its organization (allow unless said). */
  readonly orgKeyOnSibling?: Outcome;
  /** A report of the whole organization: refused to namespace keys whatever the target. */
  readonly namespaceKeysRefused?: true;
  readonly variants: Readonly<Record<string, Variant>>;
  /** A public page that answers 503 until it is built (the dashboard before `npm run build:web`). */
  readonly mayBeUnbuilt?: true;
}
interface Violation {
  readonly route: string;
  readonly variant: string;
  readonly caller: string;
  readonly target: TargetKind;
  readonly status: number;
  readonly category: Category;
  readonly message: string;
}

const MONTH = { month: 11, year: 2026 };
const one = (build: Build, addressing?: 'path' | 'field'): Readonly<Record<string, Variant>> => ({ default: { build, ...(addressing ? { addressing } : {}) } });
const page = (url: string, o: { mayBeUnbuilt?: true } = {}): RouteEntry => ({ access: 'public', variants: one(async () => ({ url })), ...o });
const operator = (build: Build): RouteEntry => ({ access: 'admin', variants: one(build) });
const feedbackBody = (extra: object = {}) => ({
  search_id: unique('search'),
  feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_down', feedbackText: `${TOKEN} ${unique('matrix feedback')}` },
  ...extra,
});
/** The target's namespace and organization, as a Papr body may name them. */
const namedTarget = (c: Case) => ({ namespace_id: c.target.ns.id, organization_id: c.target.org.id });

/**
 * A resource the call may change only when its caller is entitled to (an expected 2xx); otherwise
 * it must stay as it was.
 */
/** A webhook endpoint of an organization for a call to act on, written to the store (the matrix makes more than an organization may). */
async function scratchWebhook(w: World, organizationId: string): Promise<string> {
  const id = unique('wh_scratch');
  await w.s.store.webhooks.create({ id, organizationId, url: `https://hooks.example.com/${id}`, eventTypes: ['key.revoked'], sealedSecret: 'v1.scratch', createdAt: w.s.clock.now() });
  return id;
}

function guard(c: Case, res: Response, changed: boolean, what: string): Problem[] {
  const entitled = res.status < 300 && c.expected.outcome === 'allow';
  if (entitled && !changed) return [{ category: 'control', message: `${what}: answered ${res.status} but nothing changed` }];
  if (!entitled && changed) return [{ message: `${what} was changed by a call not entitled to it (answered ${res.status})` }];
  return [];
}

async function memoriesStayWithCaller(w: World, c: Case, ids: string[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const id of ids) {
    if (!(await w.s.store.memories.get(c.caller.namespaceId, id))) problems.push({ category: 'control', message: `memory ${id} is not in the caller's namespace` });
    if (c.target.ns.id !== c.caller.namespaceId && (await w.s.store.memories.get(c.target.ns.id, id))) problems.push({ message: `memory ${id} was written into the ${c.target.kind} namespace the body named` });
  }
  return problems;
}

async function feedbackStaysWithCaller(w: World, c: Case, ids: string[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const id of ids) {
    if (!(await w.s.store.feedback.get(c.caller.namespaceId, id))) problems.push({ category: 'control', message: `feedback ${id} is not in the caller's namespace` });
    for (const ns of [...w.orgs.A.namespaces, ...w.orgs.B.namespaces]) {
      if (ns.id === c.caller.namespaceId || !(await w.s.store.feedback.get(ns.id, id))) continue;
      problems.push(ns.side === 'A' ? { message: `feedback ${id} was recorded in namespace ${ns.id}, not the caller's` } : { category: 'cross-org', message: `feedback ${id} was recorded in organization B` });
    }
  }
  return problems;
}

/**
 * A report shows another key's name, prefix and permissions only to a caller that manages keys (an
 * organization key with write); a namespace key's report shows its own namespace only: its
 * namespaces, its keys, and the usage (never the details) of an organization key that called into it.
 */
function usageInView(w: World, c: Case, res: Response): Problem[] {
  if (res.status >= 300 || typeof res.body !== 'object' || res.body === null) return [];
  const r = res.body;
  const problems: Problem[] = [];
  if (r.organization_id !== w.orgs.A.id) problems.push({ category: 'cross-org', message: `the report is of organization ${r.organization_id}` });
  const managesKeys = c.caller.kind === 'organization' && c.caller.permissions.includes('write');
  for (const k of r.api_keys ?? []) {
    const own = k.prefix !== null && c.caller.key?.startsWith(k.prefix);
    if (!managesKeys && !own && (k.name !== null || k.prefix !== null || k.permissions !== null)) {
      problems.push({ category: 'intra-org', message: `api_keys[] shows the details of ${k.kind} key ${k.api_key_id}: "${k.name}" (prefix ${k.prefix}, permissions ${k.permissions?.join('+')})` });
    }
  }
  if (c.caller.kind !== 'namespace') return problems;
  const own = c.caller.namespaceId;
  const intra = (message: string) => problems.push({ category: 'intra-org', message });
  // Narrowed to a key (api_key_id), the report's scope is that key, still inside the caller's namespace.
  if (!['namespace', 'api_key'].includes(r.scope) || r.namespace_id !== own) intra(`a namespace key's report has scope "${r.scope}" and namespace ${r.namespace_id}`);
  for (const n of [...(r.namespaces ?? []), ...(r.by_namespace ?? [])]) if (n.namespace_id !== own) intra(`the report shows namespace ${n.namespace_id}`);
  for (const k of r.api_keys ?? []) if (k.kind !== 'organization' && k.namespace_id !== own) intra(`api_keys[] shows key ${k.api_key_id} of namespace ${k.namespace_id}`);
  return problems;
}

const usageVariant = (query: (c: Case) => string, addressing: 'path' | 'field'): Variant => ({
  addressing,
  build: async (w, c) => ({ url: `/v1/usage${query(c)}`, verify: async (res) => usageInView(w, c, res) }),
});

/**
 * How to call each route, keyed as Fastify's route tree names it. HEAD of a route is called as its
 * GET entry says, unless it has an entry of its own.
 */
const ROUTES: Readonly<Record<string, RouteEntry>> = {
  'GET /docs': page('/docs'),
  'GET /docs/': page('/docs/'),
  'GET /docs/static/*': page('/docs/static/swagger-ui.css'),
  'GET /docs/json': page('/docs/json'),
  'GET /docs/yaml': page('/docs/yaml'),
  'GET /docs/static/index.html': page('/docs/static/index.html'),
  'GET /docs/static/swagger-initializer.js': page('/docs/static/swagger-initializer.js'),
  'GET /dashboard': page('/dashboard', { mayBeUnbuilt: true }),
  'GET /dashboard/*': page('/dashboard/index.html', { mayBeUnbuilt: true }),
  'GET /metrics': page('/metrics'),
  'GET /healthz': page('/healthz'),
  'GET /readyz': page('/readyz'),

  'POST /v1/memory': {
    access: 'key',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (w, c) => ({
      url: '/v1/memory',
      body: { content: `${TOKEN} ${unique('added')}`, ...namedTarget(c), metadata: namedTarget(c) },
      verify: async (res) => (res.status < 300 ? memoriesStayWithCaller(w, c, [res.body.data[0].memoryId]) : []),
    })),
  },
  'POST /v1/memory/batch': {
    access: 'key',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (w, c) => ({
      url: '/v1/memory/batch',
      body: { memories: [{ content: `${TOKEN} ${unique('batched')}`, ...namedTarget(c), metadata: namedTarget(c) }], ...namedTarget(c) },
      verify: async (res) => (res.status < 300 ? memoriesStayWithCaller(w, c, res.body.successful.map((x: any) => x.data[0].memoryId)) : []),
    })),
  },
  'POST /v1/memory/search': {
    access: 'key',
    permission: 'read',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (_w, c) => ({
      url: '/v1/memory/search',
      body: { query: c.target.ns.word, ...namedTarget(c) },
      verify: async (res) => {
        if (res.status >= 300) return [];
        const found = res.body.data.memories.some((m: any) => m.id === c.target.ns.memoryId);
        if (c.target.kind === 'own') return found ? [] : [{ category: 'control', message: "search did not find the caller's own memory" }];
        return found ? [{ message: `search found the ${c.target.kind} namespace's memory` }] : [];
      },
    })),
  },
  'DELETE /v1/memory/all': {
    access: 'key',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (w, c) => {
      const m = await w.scratchMemory(c.target.ns);
      return {
        url: `/v1/memory/all?external_user_id=${m.externalUserId}&namespace_id=${c.target.ns.id}`,
        verify: async (res) => guard(c, res, !(await w.s.store.memories.get(c.target.ns.id, m.id)), `the ${c.target.kind} namespace's memory of ${m.externalUserId}`),
      };
    }),
  },
  'GET /v1/memory/:memory_id': { access: 'key', scope: 'namespace', orgKeyOnSibling: 'deny', variants: one(async (_w, c) => ({ url: `/v1/memory/${c.target.ns.memoryId}` })) },
  'PUT /v1/memory/:memory_id': {
    access: 'key',
    scope: 'namespace',
    orgKeyOnSibling: 'deny',
    variants: one(async (w, c) => {
      const m = await w.scratchMemory(c.target.ns);
      return {
        url: `/v1/memory/${m.id}`,
        body: { content: `${TOKEN} ${unique('overwritten')}` },
        verify: async (res) => guard(c, res, (await w.s.store.memories.get(c.target.ns.id, m.id))?.content !== m.content, `memory ${m.id} of the ${c.target.kind} namespace`),
      };
    }),
  },
  'DELETE /v1/memory/:memory_id': {
    access: 'key',
    scope: 'namespace',
    orgKeyOnSibling: 'deny',
    variants: one(async (w, c) => {
      const m = await w.scratchMemory(c.target.ns);
      return { url: `/v1/memory/${m.id}`, verify: async (res) => guard(c, res, !(await w.s.store.memories.get(c.target.ns.id, m.id)), `memory ${m.id} of the ${c.target.kind} namespace`) };
    }),
  },

  'POST /v1/feedback': {
    access: 'key',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (w, c) => ({ url: '/v1/feedback', body: feedbackBody(namedTarget(c)), verify: async (res) => (res.status < 300 ? feedbackStaysWithCaller(w, c, [res.body.feedback_id]) : []) })),
  },
  'POST /v1/feedback/batch': {
    access: 'key',
    scope: 'namespace',
    addressing: 'field',
    variants: one(async (w, c) => ({
      url: '/v1/feedback/batch',
      body: { feedback_items: [feedbackBody(namedTarget(c))], ...namedTarget(c) },
      verify: async (res) => (res.status < 300 ? feedbackStaysWithCaller(w, c, res.body.feedback_ids) : []),
    })),
  },
  // Feedback lives in a namespace like memories: an organization key reads its default namespace's only.
  'GET /v1/feedback/:feedback_id': { access: 'key', scope: 'namespace', orgKeyOnSibling: 'deny', variants: one(async (_w, c) => ({ url: `/v1/feedback/${c.target.ns.feedbackId}` })) },

  'POST /v1/namespace': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    addressing: 'field',
    variants: one(async (w, c) => ({
      url: '/v1/namespace',
      body: { name: unique('created'), organization_id: c.target.org.id },
      verify: async (res) => {
        if (res.status >= 300) return [];
        const ns = await w.s.store.directory.getNamespace(res.body.data.id);
        return ns?.organizationId === w.orgs.A.id ? [] : [{ message: `the namespace was created in organization ${ns?.organizationId}` }];
      },
    })),
  },
  'GET /v1/namespace': { access: 'key', orgKeyOnly: true, scope: 'organization', addressing: 'field', variants: one(async () => ({ url: '/v1/namespace?limit=1000' })) },
  'GET /v1/namespace/:namespace_id': { access: 'key', orgKeyOnly: true, scope: 'organization', variants: one(async (_w, c) => ({ url: `/v1/namespace/${c.target.ns.id}` })) },
  'PUT /v1/namespace/:namespace_id': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    variants: one(async (w, c) => {
      const ns = await w.scratchNamespace(c.target.org);
      return {
        url: `/v1/namespace/${ns.id}`,
        body: { name: unique('renamed'), rate_limits: { rate_limit_per_minute: 1 } },
        verify: async (res) => guard(c, res, (await w.s.store.directory.getNamespace(ns.id))?.name !== ns.name, `namespace ${ns.id} of organization ${c.target.side}`),
      };
    }),
  },
  'DELETE /v1/namespace/:namespace_id': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    variants: one(async (w, c) => {
      const ns = await w.scratchNamespace(c.target.org);
      return { url: `/v1/namespace/${ns.id}`, verify: async (res) => guard(c, res, !(await w.s.store.directory.getNamespace(ns.id)), `namespace ${ns.id} of organization ${c.target.side}`) };
    }),
  },
  'POST /v1/webhooks': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    addressing: 'field',
    variants: one(async (w) => ({
      url: '/v1/webhooks',
      body: { url: `https://hooks.example.com/${unique('hook')}`, event_types: ['usage.threshold'] },
      verify: async (res) => {
        if (res.status >= 300) return [];
        return (await w.s.store.webhooks.get(w.orgs.A.id, res.body.id)) ? [] : [{ message: `the webhook endpoint ${res.body.id} is not in organization A` }];
      },
    })),
  },
  'GET /v1/webhooks': { access: 'key', orgKeyOnly: true, scope: 'organization', addressing: 'field', variants: one(async () => ({ url: '/v1/webhooks' })) },
  'DELETE /v1/webhooks/:webhook_id': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    variants: one(async (w, c) => {
      const id = await scratchWebhook(w, c.target.org.id);
      return { url: `/v1/webhooks/${id}`, verify: async (res) => guard(c, res, !(await w.s.store.webhooks.get(c.target.org.id, id)), `webhook endpoint ${id} of organization ${c.target.side}`) };
    }),
  },
  'GET /v1/spending-ceiling': { access: 'key', orgKeyOnly: true, scope: 'organization', addressing: 'field', variants: one(async () => ({ url: '/v1/spending-ceiling' })) },
  'PUT /v1/spending-ceiling': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    addressing: 'field',
    // The fixture's organizations are on metered billing: each caller's own organization gets the ceiling, never the other.
    variants: one(async (w, c) => {
      const ceiling = 1_000_000_000 + Math.floor(Math.random() * 1_000_000);
      return {
        url: '/v1/spending-ceiling',
        body: { mini: ceiling },
        // Judged after every call: a later caller may have set the ceiling again, so a served call is judged by its answer.
        verify: async (res) => {
          const stored = (await w.s.store.directory.getOrganization(c.target.org.id))?.rateLimits.max_billed_mini_interactions_per_month;
          const served = res.status < 300 && c.expected.outcome === 'allow';
          return guard(c, res, served ? res.body?.mini?.ceiling === ceiling : stored === ceiling, `the spending ceiling of organization ${c.target.side}`);
        },
      };
    }),
  },
  'GET /v1/webhooks/:webhook_id/deliveries': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    variants: one(async (w, c) => ({ url: `/v1/webhooks/${await scratchWebhook(w, c.target.org.id)}/deliveries` })),
  },
  'POST /v1/namespace/:namespace_id/api-keys': {
    access: 'key',
    orgKeyOnly: true,
    scope: 'organization',
    variants: one(async (w, c) => ({
      url: `/v1/namespace/${c.target.ns.id}/api-keys`,
      body: { name: unique('minted'), organization_id: c.target.org.id },
      verify: async (res) => {
        if (res.status >= 300) return [];
        const key = await w.s.store.directory.getApiKey(res.body.data.objectId);
        return key?.organizationId === w.orgs.A.id && key.namespaceId === c.target.ns.id ? [] : [{ message: `a key was minted in organization ${key?.organizationId}, namespace ${key?.namespaceId}` }];
      },
    })),
  },

  'GET /v1/usage': {
    access: 'key',
    permission: 'read',
    scope: 'namespace',
    variants: {
      plain: usageVariant(() => '', 'field'),
      organization_id: usageVariant((c) => `?organization_id=${c.target.org.id}`, 'field'),
      namespace_id: usageVariant((c) => `?namespace_id=${c.target.ns.id}`, 'path'),
      api_key_id: usageVariant((c) => `?api_key_id=${c.target.ns.fixtureKey.id}`, 'path'),
    },
  },

  'POST /functions/getOrganizationInteractions': {
    access: 'function',
    permission: 'read',
    scope: 'organization',
    namespaceKeysRefused: true,
    variants: one(async (_w, c) => ({ url: '/functions/getOrganizationInteractions', body: { organizationId: c.target.org.id, ...MONTH } })),
  },
  'POST /functions/getNamespaceInteractions': {
    access: 'function',
    permission: 'read',
    scope: 'namespace',
    variants: one(async (_w, c) => ({ url: '/functions/getNamespaceInteractions', body: { namespaceId: c.target.ns.id, ...MONTH } })),
  },
  'POST /functions/getApiKeyInteractions': {
    access: 'function',
    permission: 'read',
    scope: 'namespace',
    variants: one(async (_w, c) => ({ url: '/functions/getApiKeyInteractions', body: { apiKeyId: c.target.ns.fixtureKey.id, ...MONTH } })),
  },

  'POST /admin/organizations': operator(async () => ({ url: '/admin/organizations', body: { name: unique('hijack'), plan_tier: 'enterprise' } })),
  'GET /admin/organizations': operator(async () => ({ url: '/admin/organizations?limit=1000' })),
  'GET /admin/organizations/:id': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}` })),
  'PATCH /admin/organizations/:id': operator(async (w, c) => ({
    url: `/admin/organizations/${c.target.org.id}`,
    body: { name: unique('renamed') },
    verify: async (res) => guard(c, res, (await w.s.store.directory.getOrganization(c.target.org.id))?.name !== c.target.org.name, `organization ${c.target.side}`),
  })),
  'POST /admin/organizations/:id/namespaces': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/namespaces`, body: { name: unique('hijack') } })),
  'GET /admin/organizations/:id/namespaces': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/namespaces` })),
  'POST /admin/organizations/:id/api-keys': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/api-keys`, body: { name: unique('hijack') } })),
  'GET /admin/organizations/:id/api-keys': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/api-keys` })),
  'POST /admin/organizations/:id/webhooks': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/webhooks`, body: { url: `https://hooks.example.com/${unique('hijack')}`, event_types: ['plan.changed'] } })),
  'GET /admin/organizations/:id/webhooks': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/webhooks` })),
  'DELETE /admin/organizations/:id/webhooks/:webhook_id': operator(async (w, c) => ({ url: `/admin/organizations/${c.target.org.id}/webhooks/${await scratchWebhook(w, c.target.org.id)}` })),
  'GET /admin/organizations/:id/webhooks/:webhook_id/deliveries': operator(async (w, c) => ({
    url: `/admin/organizations/${c.target.org.id}/webhooks/${await scratchWebhook(w, c.target.org.id)}/deliveries`,
  })),
  'GET /admin/outbox': operator(async (_w, c) => ({ url: `/admin/outbox?organization_id=${c.target.org.id}` })),
  'POST /admin/outbox/retry': operator(async (_w, c) => ({ url: '/admin/outbox/retry', body: { organization_id: c.target.org.id } })),
  'GET /admin/organizations/:id/usage': operator(async (_w, c) => ({ url: `/admin/organizations/${c.target.org.id}/usage` })),
  'PATCH /admin/namespaces/:id': operator(async (w, c) => {
    const ns = await w.scratchNamespace(c.target.org);
    return { url: `/admin/namespaces/${ns.id}`, body: { name: unique('renamed') }, verify: async (res) => guard(c, res, (await w.s.store.directory.getNamespace(ns.id))?.name !== ns.name, `namespace ${ns.id}`) };
  }),
  'POST /admin/namespaces/:id/api-keys': operator(async (_w, c) => ({ url: `/admin/namespaces/${c.target.ns.id}/api-keys`, body: { name: unique('hijack') } })),
  'GET /admin/namespaces/:id/api-keys': operator(async (_w, c) => ({ url: `/admin/namespaces/${c.target.ns.id}/api-keys` })),
  'DELETE /admin/api-keys/:id': operator(async (w, c) => {
    const key = await w.scratchKey(c.target.ns);
    return { url: `/admin/api-keys/${key.id}`, verify: async (res) => guard(c, res, (await w.s.store.directory.getApiKey(key.id))?.revokedAt !== null, `key ${key.id}`) };
  }),
  'GET /admin/plans': operator(async () => ({ url: '/admin/plans' })),
};

const entryOf = (route: string): RouteEntry | undefined => ROUTES[route] ?? (route.startsWith('HEAD ') ? ROUTES[route.replace(/^HEAD /, 'GET ')] : undefined);

const defaultPermission = (method: string): Permission => (method === 'GET' || method === 'HEAD' ? 'read' : method === 'DELETE' ? 'delete' : 'write');

/** What a call must get: the rules of the README, route by route, caller by caller, target by target. */
function expectationOf(entry: RouteEntry, variant: Variant, method: string, caller: Caller, target: Target): Expectation {
  const allow = (category: Category, why: string): Expectation => ({ outcome: 'allow', statuses: [], category, why });
  const deny = (statuses: number[], category: Category, why: string): Expectation => ({ outcome: 'deny', statuses, category, why });
  const either = (category: Category, why: string): Expectation => ({ outcome: 'either', statuses: [], category, why });
  if (entry.access === 'public') return allow('public', 'a public route');
  if (entry.access === 'admin') return deny([401], 'auth', 'an /admin route answers the admin key only');
  if (!caller.valid) return deny([401], 'auth', 'a revoked, expired, tampered, unknown, malformed or missing key');
  const permission = entry.permission ?? defaultPermission(method);
  if (!caller.permissions.includes(permission)) return deny([403], 'permission', `the key lacks the "${permission}" permission`);
  if (entry.orgKeyOnly && caller.kind === 'namespace') return deny([403], 'permission', 'a route for organization keys');
  const addressing = variant.addressing ?? entry.addressing ?? 'path';
  if (target.kind === 'foreign') {
    return addressing === 'path' ? deny([403, 404], 'cross-org', "another organization's resource") : either('cross-org', 'another organization named in the query or body');
  }
  if (entry.namespaceKeysRefused && caller.kind === 'namespace') return deny([403], 'intra-org', "a namespace key and a report of the whole organization");
  if (target.kind === 'sibling') {
    if (addressing === 'field') return either('intra-org', 'another namespace named in the query or body');
    if (caller.kind === 'organization') {
      const outcome = entry.orgKeyOnSibling ?? 'allow';
      return { outcome, statuses: [403, 404], category: outcome === 'allow' ? 'control' : 'intra-org', why: 'an organization key on another namespace of its organization' };
    }
    if (entry.scope === 'namespace') return deny([403, 404], 'intra-org', "another namespace's resource");
  }
  return allow('control', "the caller's own resource");
}

function judge(c: Case, res: Response): Problem[] {
  const { expected } = c;
  // HEAD has no body to name DASHBOARD_NOT_BUILT: the status says it.
  const unbuilt = c.entry.mayBeUnbuilt && res.status === 503 && (c.method === 'HEAD' || res.body?.error_code === 'DASHBOARD_NOT_BUILT');
  if (res.status >= 500 && !unbuilt) {
    return [{ category: 'server', message: `answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` }];
  }
  if (expected.outcome === 'allow') {
    if (c.entry.access === 'public') return res.status === 401 || res.status === 403 ? [{ message: `a public route answered ${res.status}` }] : [];
    return res.status < 300 ? [] : [{ message: `expected 2xx (${expected.why}), got ${res.status} ${res.body?.error_code ?? ''}` }];
  }
  if (expected.outcome === 'deny') {
    if (res.status < 300) return [{ message: `answered ${res.status} where ${expected.statuses.join('/')} was due (${expected.why})` }];
    if (!expected.statuses.includes(res.status)) return [{ message: `expected ${expected.statuses.join('/')} (${expected.why}), got ${res.status} ${res.body?.error_code ?? ''}` }];
  }
  return [];
}

/** Secrets a response shows that the caller must not see (a secret the request itself carried is not shown by the response). */
function leaks(w: World, c: Case, req: Request, res: Response): Problem[] {
  const sent = `${req.url} ${JSON.stringify(req.body ?? null)} ${c.caller.key ?? ''}`;
  const shown = `${typeof res.body === 'string' ? res.body : JSON.stringify(res.body)} ${JSON.stringify(res.headers)}`;
  const problems: Problem[] = [];
  for (const secret of w.secrets) {
    if (sent.includes(secret.value) || !shown.includes(secret.value)) continue;
    let category: Category | null = null;
    if (c.entry.access === 'public') category = 'public';
    else if (!c.caller.valid) category = 'auth';
    else if (secret.side !== 'A') category = 'cross-org';
    else if (c.caller.kind === 'namespace' && (secret.orgKey || (secret.namespaceId !== null && secret.namespaceId !== c.caller.namespaceId))) category = 'intra-org';
    if (category) problems.push({ category, message: `the response shows ${secret.label} "${secret.value}"` });
  }
  return problems;
}

function targetOf(w: World, caller: Caller, kind: TargetKind): Target {
  const { A, B } = w.orgs;
  const own = A.namespaces.find((n) => n.id === caller.namespaceId)!;
  const other = A.namespaces.find((n) => n.id !== caller.namespaceId)!;
  if (kind === 'own') return { kind, side: 'A', org: A, ns: own };
  if (kind === 'sibling') return { kind, side: 'A', org: A, ns: other };
  return { kind, side: 'B', org: B, ns: B.namespaces[0] };
}

// The server starts while the file is collected: the route tree decides which tests exist.
// The matrix gives organization A more webhook endpoints than the default 20 (one per DELETE case).
const s = await startServer({ clock: manualClock(NOW), webhookMaxEndpoints: 1_000 });
const APP_ROUTES = routesOf(s.app.printRoutes({ commonPrefix: false }), (method, url) => s.app.hasRoute({ method: method as HTTPMethods, url }));
const KEYED_ROUTES = APP_ROUTES.filter((r) => entryOf(r) && ['key', 'function'].includes(entryOf(r)!.access));

let w: World;
const violations: Violation[] = [];
let cases = 0;
let before: unknown;
let after: unknown;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  w = await buildWorld(s);
  const prepared: { c: Case; req: Request; res?: Response }[] = [];
  for (const route of APP_ROUTES) {
    const entry = entryOf(route);
    if (!entry) continue;
    const method = route.split(' ')[0]!;
    for (const [variant, v] of Object.entries(entry.variants)) {
      for (const caller of w.callers) {
        for (const kind of TARGETS) {
          const target = targetOf(w, caller, kind);
          const c: Case = { route, method, variant, entry, caller, target, expected: expectationOf(entry, v, method, caller, target) };
          prepared.push({ c, req: await v.build(w, c) });
        }
      }
    }
  }
  // last_used_at of the keys that made the scratch resources is written within a second.
  await sleep(1_100);
  before = await w.snapshot(w.orgs.B);
  for (const p of prepared) {
    const { c, req } = p;
    p.res = await s.call({ method: c.method as HTTPMethods, url: req.url, headers: { ...c.caller.headers }, ...(req.body !== undefined ? { body: req.body as object } : {}) });
  }
  for (const { c, req, res } of prepared) {
    const problems = [...judge(c, res!), ...leaks(w, c, req, res!), ...(req.verify ? await req.verify(res!) : [])];
    for (const p of problems) {
      const v = { route: c.route, variant: c.variant, caller: c.caller.name, target: c.target.kind, status: res!.status, category: p.category ?? c.expected.category, message: p.message };
      violations.push(v);
    }
  }
  cases = prepared.length;
  await sleep(1_100);
  after = await w.snapshot(w.orgs.B);
}, 120_000);

afterAll(async () => {
  const variants = APP_ROUTES.reduce((n, r) => n + Object.keys(entryOf(r)?.variants ?? {}).length, 0);
  console.log(
    `tenant-isolation matrix: ${APP_ROUTES.length} routes (${variants} with their variants) × ${CALLER_NAMES.length} callers × ${TARGETS.length} targets = ${cases} cases; ` +
      `${violations.length} violations (${new Set(violations.map(caseKey)).size} cases)`,
  );
  await s.close();
});

const caseKey = (v: Violation) => `${v.route}${v.variant === 'default' ? '' : ` [${v.variant}]`} ${v.caller} → ${v.target}`;
const describeViolation = (v: Violation) => `${caseKey(v)} (${v.status}): ${v.category}: ${v.message}`;
const openOf = (route: string, categories: readonly Category[]) => violations.filter((v) => v.route === route && categories.includes(v.category)).map(describeViolation);
const ACROSS: readonly Category[] = ['auth', 'permission', 'cross-org', 'control', 'public', 'server'];

describe('tenant isolation matrix: organizations A and B, every key kind, every route', () => {
  it('every route of the app has an entry in the table of how to call it, and every entry is a route', () => {
    expect(APP_ROUTES.filter((r) => !entryOf(r))).toEqual([]);
    // The tree was read right: each route it gave is one Fastify knows.
    expect(APP_ROUTES.filter((r) => !s.app.hasRoute({ method: r.split(' ')[0] as HTTPMethods, url: r.split(' ')[1]! }))).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !APP_ROUTES.includes(r))).toEqual([]);
  });

  it('the route tree holds every operation of the OpenAPI document', async () => {
    const doc = await s.call({ method: 'GET', url: '/docs/json' });
    const documented = Object.entries(doc.body.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((r) => !APP_ROUTES.includes(r))).toEqual([]);
  });

  it('the fixture holds: every caller, every target, and the owners of each resource are served', () => {
    expect(cases).toBe(APP_ROUTES.reduce((n, r) => n + Object.keys(entryOf(r)?.variants ?? {}).length, 0) * CALLER_NAMES.length * TARGETS.length);
    expect(violations.filter((v) => v.category === 'control').map(describeViolation)).toEqual([]);
  });

  it("after all of A's calls, B's usage, counters, events, directory, memories and feedback are unchanged", () => {
    expect(after).toEqual(before);
  });

  for (const route of APP_ROUTES) {
    it(`${route}: no cross-organization read or write, 401 for every invalid key, 403 for a missing permission`, () => {
      expect(entryOf(route), `no entry in ROUTES for ${route}`).toBeDefined();
      expect(openOf(route, ACROSS)).toEqual([]);
    });
  }
});

describe('inside an organization: a namespace key stays in its namespace', () => {
  for (const route of KEYED_ROUTES) {
    it(`${route}: a namespace key does not read, change or see the usage of another namespace`, () => {
      expect(openOf(route, ['intra-org'])).toEqual([]);
    });
  }
});

describe('no customer-writable field raises a limit (an organization on the developer tier)', () => {
  const d = { orgId: '', nsId: '', nsKey: '', orgKey: '', writeOnlyOrgKey: '' };
  let plan: Record<LimitField, number | null>;
  // A spending ceiling is unset on the plan (null): any value a namespace writes is one it may not.
  const raised = (field: LimitField) => (plan[field] ?? 0) * 10 + 1;
  const allRaised = () => Object.fromEntries(LIMIT_FIELDS.map((f) => [f, raised(f)]));
  const admin = async (method: 'GET' | 'POST', url: string, body?: object) => (await s.call({ method, url, admin: true, ...(body ? { body } : {}) })).body;
  const call = (key: string, method: HTTPMethods, url: string, body?: unknown) => s.call({ method, url, key, ...(body !== undefined ? { body: body as object } : {}) });

  beforeAll(async () => {
    plan = (await admin('GET', '/admin/plans')).tiers.developer;
    expect(LIMIT_FIELDS.filter((f) => typeof plan[f] !== 'number')).toEqual(Object.values(BILLED_CEILING_FIELDS));
    d.orgId = (await admin('POST', '/admin/organizations', { name: unique('OrgD'), plan_tier: 'developer' })).id;
    d.nsId = (await admin('POST', `/admin/organizations/${d.orgId}/namespaces`, { name: unique('nsD') })).id;
    d.nsKey = (await admin('POST', `/admin/namespaces/${d.nsId}/api-keys`, { name: 'D namespace key' })).key;
    d.orgKey = (await admin('POST', `/admin/organizations/${d.orgId}/api-keys`, { name: 'D organization key' })).key;
    d.writeOnlyOrgKey = (await admin('POST', `/admin/organizations/${d.orgId}/api-keys`, { name: 'D write-only organization key', permissions: ['write'] })).key;
  });

  /** What a key gets, measured on a call: the minute rate and the monthly limit of its tightest scope (a new minute each time). */
  const measured = async (key: string) => {
    s.clock.advance(61_000);
    const probe = await call(key, 'POST', '/v1/memory/search', { query: 'anything' });
    expect(probe.status).toBe(200);
    return { rate: Number(probe.headers['ratelimit-limit']), monthly: Number(probe.headers['x-usage-limit']) };
  };
  /** The limits in force for the organization: its namespaces' overrides, the report's limits, and what its namespace key gets. */
  const inForce = async () => {
    const usage = (await call(d.orgKey, 'GET', '/v1/usage')).body;
    const namespaces = (await call(d.orgKey, 'GET', '/v1/namespace?limit=1000')).body.data.map((n: any) => ({ id: n.id, rate_limits: n.rate_limits }));
    const listed = new Set(namespaces.map((n: any) => n.id));
    return {
      plan: usage.plan,
      limits: usage.limits,
      // The report keeps a deleted namespace that had usage in the period (a probe's): only the listed ones are in force.
      namespaceLimits: usage.namespaces.filter((n: any) => listed.has(n.namespace_id)).map((n: any) => ({ id: n.namespace_id, mini: n.interactions.mini.limit, premium: n.interactions.premium.limit })),
      namespaces,
      measured: await measured(d.nsKey),
    };
  };
  const withinPlan = (m: { rate: number; monthly: number }) => {
    expect(m.rate).toBeLessThanOrEqual(plan.rate_limit_per_minute!);
    expect(m.monthly).toBeLessThanOrEqual(plan.max_mini_interactions_per_month!);
  };

  /** The bodies a customer key writes limits with: namespace create and update (rate_limits). */
  const NAMESPACE_WRITES: Record<string, (rateLimits: object) => { method: HTTPMethods; url: string; body: object }> = {
    'POST /v1/namespace': (rateLimits) => ({ method: 'POST', url: '/v1/namespace', body: { name: unique('raise'), rate_limits: rateLimits } }),
    'PUT /v1/namespace/:namespace_id': (rateLimits) => ({ method: 'PUT', url: `/v1/namespace/${d.nsId}`, body: { rate_limits: rateLimits } }),
  };

  for (const [route, write] of Object.entries(NAMESPACE_WRITES)) {
    for (const field of LIMIT_FIELDS) {
      it(`${route}: rate_limits.${field} above the developer plan → 400 naming it; the limits in force are unchanged`, async () => {
        const was = await inForce();
        const w = write({ [field]: raised(field) });
        const r = await call(d.orgKey, w.method, w.url, w.body);
        expect(r.status).toBe(400);
        expect(r.body.error_code).toBe('VALIDATION_FAILED');
        expect(r.body.message).toContain(`rate_limits.${field}`);
        expect(await inForce()).toEqual(was);
      });
    }
    it(`${route}: every limit field raised at once → 400 naming each one`, async () => {
      const was = await inForce();
      const w = write(allRaised());
      const r = await call(d.orgKey, w.method, w.url, w.body);
      expect(r.status).toBe(400);
      expect(LIMIT_FIELDS.filter((f) => !r.body.message.includes(`rate_limits.${f}`))).toEqual([]);
      expect(await inForce()).toEqual(was);
    });
  }

  /**
   * Fields the namespace and key bodies accept without acting on them (Papr keeps extra fields):
   * whatever answer they get, nothing is raised.
   */
  const EXTRAS: Record<string, () => object> = {
    'every limit field at the top level': allRaised,
    plan_tier: () => ({ plan_tier: 'enterprise', tier: 'enterprise' }),
    subscription: () => ({ subscription: { tier: 'enterprise', status: 'active', metered_billing: true } }),
    monthly_cap: () => ({ monthly_cap: { mini: 10_000_000, premium: 10_000_000 } }),
    'organization overrides': () => ({ organization: { rate_limits: allRaised() }, organization_rate_limits: allRaised() }),
  };

  for (const [name, extra] of Object.entries(EXTRAS)) {
    it(`POST /v1/namespace with ${name}: 400, or a namespace whose limits stay within the plan`, async () => {
      const was = await inForce();
      const r = await call(d.orgKey, 'POST', '/v1/namespace', { name: unique('extra'), ...extra() });
      expect([200, 400]).toContain(r.status);
      if (r.status === 200) {
        const nsId = r.body.data.id;
        for (const [field, value] of Object.entries(r.body.data.rate_limits ?? {})) if (value !== null) expect(value as number).toBeLessThanOrEqual(plan[field as LimitField] ?? 0);
        const minted = await call(d.orgKey, 'POST', `/v1/namespace/${nsId}/api-keys`, { name: 'probe' });
        expect(minted.status).toBe(200);
        withinPlan(await measured(minted.body.data.key));
        expect((await call(d.orgKey, 'DELETE', `/v1/namespace/${nsId}`)).status).toBe(200);
      }
      expect(await inForce()).toEqual(was);
    });

    it(`PUT /v1/namespace/:namespace_id with ${name}: 400, or the limits in force unchanged`, async () => {
      const was = await inForce();
      const r = await call(d.orgKey, 'PUT', `/v1/namespace/${d.nsId}`, extra());
      expect([200, 400]).toContain(r.status);
      expect(await inForce()).toEqual(was);
    });

    it(`POST /v1/namespace/:namespace_id/api-keys with ${name}: 400, or a key that gets no more than the plan`, async () => {
      const was = await inForce();
      const r = await call(d.orgKey, 'POST', `/v1/namespace/${d.nsId}/api-keys`, { name: unique('extra-key'), ...extra() });
      expect([200, 400]).toContain(r.status);
      if (r.status === 200) {
        const key = await s.store.directory.getApiKey(r.body.data.objectId);
        expect(key).toMatchObject({ kind: 'namespace', namespaceId: d.nsId, organizationId: d.orgId, monthlyCap: { mini: null, premium: null } });
        withinPlan(await measured(r.body.data.key));
      }
      expect(await inForce()).toEqual(was);
    });
  }

  it('POST /v1/namespace/:namespace_id/api-keys: kind, organization and namespace fields do not make another kind of key or a key elsewhere', async () => {
    const other = await s.tenant({ plan_tier: 'enterprise' });
    const r = await call(d.orgKey, 'POST', `/v1/namespace/${d.nsId}/api-keys`, { name: unique('elsewhere'), kind: 'organization', organization_id: other.orgId, namespace_id: other.nsId });
    expect([200, 400]).toContain(r.status);
    if (r.status === 200) {
      expect(await s.store.directory.getApiKey(r.body.data.objectId)).toMatchObject({ kind: 'namespace', namespaceId: d.nsId, organizationId: d.orgId });
      withinPlan(await measured(r.body.data.key));
    }
  });

  it('a key cannot mint a key with a permission it lacks (a write-only organization key asks for read and delete)', async () => {
    const r = await call(d.writeOnlyOrgKey, 'POST', `/v1/namespace/${d.nsId}/api-keys`, { name: unique('escalate'), permissions: ['read', 'write', 'delete'] });
    if (r.status === 200) expect(r.body.data.permissions, 'the minted key has permissions its maker lacks').toEqual(['write']);
    else expect([400, 403]).toContain(r.status);
  });
});
