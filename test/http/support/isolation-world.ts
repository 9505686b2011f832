/**
 * The world of the tenant-isolation matrix (test/http/tenant-isolation.test.ts): organizations A
 * and B on one server, each with two namespaces holding a memory and a feedback record, a key of
 * every kind for A to call with, every id, name, content and prefix remembered as a secret of its
 * owner, scratch resources for calls that change or delete, and snapshots of an organization's
 * state (usage, directory, memories, feedback, counters, events) to compare before and after.
 */
import { randomBytes } from 'node:crypto';
import type { Permission } from '../../../src/core/tenants.js';
import type { CounterRef } from '../../../src/stores/contract/index.js';
import type { TestServer } from './server.js';

/** Every memory and feedback text of the world carries it, so one search lists a namespace's memories. */
export const TOKEN = 'zzisotoken';
export const PERIOD = '2026-11';
export const NOW = '2026-11-15T12:00:00.000Z';

export const unique = (tag: string) => `${tag}-${randomBytes(5).toString('hex')}`;
/** One word full-text search finds (letters and digits only). */
const word = () => `w${randomBytes(6).toString('hex')}`;

export type Side = 'A' | 'B';

export interface Secret {
  readonly value: string;
  readonly side: Side;
  /** The namespace it belongs to; null for organization-level things. */
  readonly namespaceId: string | null;
  readonly label: string;
  /** The name or prefix of an organization key: out of a namespace key's view. */
  readonly orgKey?: boolean;
}

export interface KeyInfo {
  readonly id: string;
  readonly key: string;
  readonly prefix: string;
  readonly name: string;
}

export interface NamespaceFixture {
  readonly side: Side;
  readonly id: string;
  readonly name: string;
  readonly orgId: string;
  /** A key of the namespace that is not a caller of the matrix: it makes the scratch resources. */
  readonly fixtureKey: KeyInfo;
  readonly memoryId: string;
  /** The one word of the memory's content that search finds. */
  readonly word: string;
  readonly feedbackId: string;
}

export interface OrgFixture {
  readonly side: Side;
  readonly id: string;
  readonly name: string;
  readonly namespaces: readonly [NamespaceFixture, NamespaceFixture];
  readonly orgKey: KeyInfo;
  /** Every key id of the organization, for the counters of the snapshot. */
  readonly keyIds: string[];
  readonly feedbackIds: string[];
}

export const CALLER_NAMES = [
  'orgKey',
  'nsKey',
  'nsKeyOther',
  'readOnly',
  'writeOnly',
  'revoked',
  'revokedOrgKey',
  'expired',
  'expiredOrgKey',
  'tampered',
  'unknown',
  'garbage',
  'none',
  'keyAsAdmin',
] as const;
export type CallerName = (typeof CALLER_NAMES)[number];

export interface Caller {
  readonly name: CallerName;
  /** A key that authenticates (not revoked, not expired, well formed, known). */
  readonly valid: boolean;
  readonly kind: 'organization' | 'namespace' | null;
  readonly permissions: readonly Permission[];
  /** The namespace its memory calls go to (an organization key: the default one); nominal for an invalid caller. */
  readonly namespaceId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The key it sends, if any. */
  readonly key: string | null;
}

export interface World {
  readonly s: TestServer;
  readonly orgs: Readonly<Record<Side, OrgFixture>>;
  readonly callers: readonly Caller[];
  readonly secrets: Secret[];
  scratchMemory(ns: NamespaceFixture): Promise<{ id: string; content: string; externalUserId: string }>;
  scratchNamespace(org: OrgFixture): Promise<{ id: string; name: string }>;
  scratchKey(ns: NamespaceFixture): Promise<KeyInfo>;
  snapshot(org: OrgFixture): Promise<unknown>;
}

const ALL: Permission[] = ['read', 'write', 'delete'];

export async function buildWorld(s: TestServer): Promise<World> {
  const secrets: Secret[] = [];
  const remember = (side: Side, namespaceId: string | null, label: string, ...values: (string | null | undefined)[]) => {
    for (const value of values) if (value) secrets.push({ value, side, namespaceId, label });
  };
  const admin = async (method: 'POST' | 'DELETE', url: string, body?: object) => {
    const r = await s.call({ method, url, admin: true, ...(body ? { body } : {}) });
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const api = async (key: string, method: 'POST' | 'GET', url: string, body?: object) => {
    const r = await s.call({ method, url, key, ...(body ? { body } : {}) });
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const keyInfo = (body: any): KeyInfo => ({ id: body.id, key: body.key, prefix: body.prefix, name: body.name });

  const orgs = {} as Record<Side, OrgFixture>;
  const issueNamespaceKey = async (side: Side, nsId: string, tag: string, extra: object = {}) => {
    const k = keyInfo(await admin('POST', `/admin/namespaces/${nsId}/api-keys`, { name: unique(`${side}-${tag}`), ...extra }));
    remember(side, nsId, `${side} key ${k.name}`, k.id, k.name, k.prefix);
    orgs[side]?.keyIds.push(k.id);
    return k;
  };
  const issueOrgKey = async (side: Side, orgId: string, tag: string, extra: object = {}) => {
    const k = keyInfo(await admin('POST', `/admin/organizations/${orgId}/api-keys`, { name: unique(`${side}-${tag}`), ...extra }));
    remember(side, null, `${side} organization key id`, k.id);
    secrets.push({ value: k.name, side, namespaceId: null, label: `${side} organization key name`, orgKey: true });
    secrets.push({ value: k.prefix, side, namespaceId: null, label: `${side} organization key prefix`, orgKey: true });
    orgs[side]?.keyIds.push(k.id);
    return k;
  };

  const feedbackBody = (text: string, extra: object = {}) => ({
    search_id: unique('search'),
    feedbackData: { feedbackSource: 'inline', feedbackType: 'thumbs_up', feedbackText: text },
    ...extra,
  });

  for (const side of ['A', 'B'] as const) {
    // Enterprise, so no monthly limit interferes; the operator lifts the minute rate for the matrix's thousands of calls.
    // Metered billing, so that the organization's own spending ceiling (PUT /v1/spending-ceiling) is its to set.
    const org = await admin('POST', '/admin/organizations', { name: unique(`Org${side}`), plan_tier: 'enterprise', rate_limits: { rate_limit_per_minute: 1_000_000 }, subscription: { metered_billing: true } });
    remember(side, null, `${side} organization id`, org.id);
    remember(side, null, `${side} organization name`, org.name);
    remember(side, null, `${side} workspace id`, org.workspace_id);
    remember(side, null, `${side} owner user id`, org.owner_user_id);
    remember(side, null, `${side} subscription id`, org.subscription?.id);
    const namespaces: NamespaceFixture[] = [];
    const partial = { side, id: org.id as string, name: org.name as string, keyIds: [] as string[], feedbackIds: [] as string[] };
    orgs[side] = partial as unknown as OrgFixture;
    for (const n of [1, 2]) {
      const ns = await admin('POST', `/admin/organizations/${org.id}/namespaces`, { name: unique(`ns${side}${n}`) });
      remember(side, ns.id, `${side}${n} namespace id`, ns.id);
      remember(side, ns.id, `${side}${n} namespace name`, ns.name);
      const fixtureKey = await issueNamespaceKey(side, ns.id, `fixture${n}`);
      const w = word();
      const content = `${TOKEN} ${w} secret of ${ns.name}`;
      const added = await api(fixtureKey.key, 'POST', '/v1/memory', { content });
      const memoryId = added.data[0].memoryId as string;
      remember(side, ns.id, `${side}${n} memory id`, memoryId);
      remember(side, ns.id, `${side}${n} memory content`, content);
      const feedbackText = `${TOKEN} ${unique(`feedback of ${side}${n}`)}`;
      const fb = await api(fixtureKey.key, 'POST', '/v1/feedback', feedbackBody(feedbackText));
      remember(side, ns.id, `${side}${n} feedback id`, fb.feedback_id);
      remember(side, ns.id, `${side}${n} feedback text`, feedbackText);
      partial.feedbackIds.push(fb.feedback_id);
      namespaces.push({ side, id: ns.id, name: ns.name, orgId: org.id, fixtureKey, memoryId, word: w, feedbackId: fb.feedback_id });
    }
    const orgKey = await issueOrgKey(side, org.id, 'org-key');
    // The organization key has usage of its own (in the default namespace), so it shows in reports.
    await api(orgKey.key, 'POST', '/v1/memory/search', { query: namespaces[0]!.word });
    Object.assign(partial, { namespaces, orgKey });
  }

  const A = orgs.A;
  const [a1, a2] = A.namespaces;
  const nsKey = await issueNamespaceKey('A', a1.id, 'ns-key');
  const nsKeyOther = await issueNamespaceKey('A', a2.id, 'ns-key-other');
  const readOnly = await issueNamespaceKey('A', a1.id, 'read-only', { permissions: ['read'] });
  const writeOnly = await issueNamespaceKey('A', a1.id, 'write-only', { permissions: ['write'] });
  const revoked = await issueNamespaceKey('A', a1.id, 'revoked');
  const revokedOrgKey = await issueOrgKey('A', A.id, 'revoked-org-key');
  const expiresAt = new Date(s.clock.now() + 60_000).toISOString();
  const expired = await issueNamespaceKey('A', a1.id, 'expired', { expires_at: expiresAt });
  const expiredOrgKey = await issueOrgKey('A', A.id, 'expired-org-key', { expires_at: expiresAt });
  // Each of them worked before it was revoked or expired.
  for (const k of [revoked, revokedOrgKey, expired, expiredOrgKey, readOnly]) await api(k.key, 'GET', '/v1/usage');
  await api(writeOnly.key, 'POST', '/v1/feedback', feedbackBody(`${TOKEN} write-only`));
  await admin('DELETE', `/admin/api-keys/${revoked.id}`);
  await admin('DELETE', `/admin/api-keys/${revokedOrgKey.id}`);
  s.clock.advance(120_000);

  const last = A.orgKey.key.at(-1) === 'a' ? 'b' : 'a';
  const tampered = `${A.orgKey.key.slice(0, -1)}${last}`;
  const unknown = `tg_${'Z'.repeat(12)}_${'z'.repeat(32)}`;
  const apiKey = (key: string) => ({ 'x-api-key': key });
  const caller = (name: CallerName, key: KeyInfo | string | null, o: Partial<Caller> = {}): Caller => {
    const raw = typeof key === 'string' ? key : (key?.key ?? null);
    return { name, valid: false, kind: null, permissions: [], namespaceId: a1.id, headers: raw ? apiKey(raw) : {}, key: raw, ...o };
  };
  const callers: Caller[] = [
    caller('orgKey', A.orgKey, { valid: true, kind: 'organization', permissions: ALL }),
    caller('nsKey', nsKey, { valid: true, kind: 'namespace', permissions: ALL }),
    caller('nsKeyOther', nsKeyOther, { valid: true, kind: 'namespace', permissions: ALL, namespaceId: a2.id }),
    caller('readOnly', readOnly, { valid: true, kind: 'namespace', permissions: ['read'] }),
    caller('writeOnly', writeOnly, { valid: true, kind: 'namespace', permissions: ['write'] }),
    caller('revoked', revoked),
    caller('revokedOrgKey', revokedOrgKey),
    caller('expired', expired),
    caller('expiredOrgKey', expiredOrgKey),
    caller('tampered', tampered),
    caller('unknown', unknown),
    caller('garbage', 'not-a-tollgate-key'),
    caller('none', null),
    caller('keyAsAdmin', null, { headers: { 'x-admin-key': A.orgKey.key, 'x-parse-master-key': A.orgKey.key }, key: A.orgKey.key }),
  ];
  if (callers.map((c) => c.name).join() !== CALLER_NAMES.join()) throw new Error('every caller name has one caller');

  const orgOf = (side: Side) => orgs[side];
  return {
    s,
    orgs,
    callers,
    secrets,
    async scratchMemory(ns) {
      const externalUserId = unique('xu');
      const content = `${TOKEN} scratch ${unique('memory')}`;
      const added = await api(ns.fixtureKey.key, 'POST', '/v1/memory', { content, external_user_id: externalUserId });
      const id = added.data[0].memoryId as string;
      remember(ns.side, ns.id, `${ns.side} scratch memory`, id, content);
      return { id, content, externalUserId };
    },
    async scratchNamespace(org) {
      const ns = await admin('POST', `/admin/organizations/${org.id}/namespaces`, { name: unique(`scratch${org.side}`) });
      remember(org.side, ns.id, `${org.side} scratch namespace`, ns.id, ns.name);
      return { id: ns.id, name: ns.name };
    },
    async scratchKey(ns) {
      return issueNamespaceKey(ns.side, ns.id, 'scratch-key');
    },
    snapshot: (org) => snapshotOf(s, orgOf(org.side)),
  };
}

/** Everything of an organization another's calls could change: reports, directory, memories, feedback, counters, events. */
async function snapshotOf(s: TestServer, org: OrgFixture) {
  const get = async (url: string) => (await s.call({ method: 'GET', url, admin: true })).body;
  const namespaces = (await get(`/admin/organizations/${org.id}/namespaces?limit=1000`)).items as { id: string }[];
  const memories: Record<string, unknown> = {};
  for (const ns of namespaces) {
    memories[ns.id] = (await s.store.memories.search(ns.id, { text: TOKEN, limit: 1000 })).map((m) => ({ id: m.memory.id, content: m.memory.content, updatedAt: m.memory.updatedAt })).sort((a, b) => a.id.localeCompare(b.id));
  }
  const feedbackIn = async (id: string) => (await Promise.all(namespaces.map((n) => s.store.feedback.get(n.id, id)))).find((f) => f !== null) ?? null;
  const feedback = await Promise.all(org.feedbackIds.map(feedbackIn));
  const refs: CounterRef[] = [];
  const scopes: [CounterRef['scope'], string][] = [['organization', org.id], ...namespaces.map((n) => ['namespace', n.id] as [CounterRef['scope'], string]), ...org.keyIds.map((id) => ['api_key', id] as [CounterRef['scope'], string])];
  for (const [scope, scopeId] of scopes) {
    for (const metric of ['mini', 'premium'] as const) refs.push({ scope, scopeId, metric, period: PERIOD, organizationId: org.id });
  }
  const counters = await s.store.ledger.readCounters(refs);
  const holdings = [await s.store.memories.holdings('organization', org.id), ...(await Promise.all(namespaces.map((n) => s.store.memories.holdings('namespace', n.id))))];
  const events = await s.store.log.events({ organizationId: org.id, fromMs: 0, toMs: Date.parse('2100-01-01'), limit: 100_000 });
  return {
    organization: await get(`/admin/organizations/${org.id}`),
    usage: await get(`/admin/organizations/${org.id}/usage`),
    namespaces,
    keys: await get(`/admin/organizations/${org.id}/api-keys`),
    memories,
    feedback,
    counters: Object.fromEntries(refs.map((r, i) => [`${r.scope}:${r.scopeId}:${r.metric}:${r.period}`, counters[i]])),
    holdings,
    events: events.length,
  };
}

/**
 * Every route of the app as "METHOD /path", from Fastify's route tree (printRoutes), so a route
 * added later is in the matrix without anyone listing it. Each line of the tree is one node:
 * four characters of indentation per level, then the node's part of the path and its methods.
 * The tree drops a segment without a route of its own above a wildcard ("/dashboard" then "*"
 * for /dashboard/*, "/docs/" then "*" for /docs/static/*): such a path is rebuilt from the
 * segments its siblings show, and `hasRoute` picks the spelling Fastify knows.
 */
export function routesOf(tree: string, hasRoute: (method: string, url: string) => boolean): string[] {
  const printed: [method: string, path: string][] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│   |    )*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) printed.push([method, stack.join('')]);
  }
  const routes = printed.map(([method, path]) => {
    if (hasRoute(method, path) || !path.endsWith('*')) return `${method} ${path}`;
    const parent = path.slice(0, -1);
    const candidates = new Set([`${parent}/*`]);
    for (const [, other] of printed) {
      if (!other.startsWith(parent)) continue;
      const rest = other.slice(parent.length);
      for (let i = rest.indexOf('/'); i >= 0; i = rest.indexOf('/', i + 1)) candidates.add(`${parent}${rest.slice(0, i + 1)}*`);
    }
    const known = [...candidates].filter((c) => hasRoute(method, c));
    return `${method} ${known.length === 1 ? known[0] : path}`;
  });
  return [...new Set(routes)].sort();
}
