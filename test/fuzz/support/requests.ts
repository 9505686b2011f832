/**
 * A fuzz case: a request template drawn for one route — path parameters, query string, body,
 * content type and headers, each valid (from the route's schema and the world's ids) or off-schema
 * (mutations.ts) — resolved into an inject() request when it runs (ids made during the run, such
 * as memory ids, are picked then).
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { encodeSearchCursor, SEARCH_OFFSET_MAX } from '../../../src/http/routes/search-cursor.js';
import { Raw, headerText, mutate, mutation, nastyBodyText, nastyPathValue, nastyQueryValue, serialize } from './mutations.js';
import type { RouteSpec } from './routes.js';
import { arbitraryFor, type Hints } from './schema-arbitrary.js';
import { ADMIN_KEY, type FuzzWorld } from './world.js';

/** Ids made by successful calls, for later cases' path parameters. */
export interface Pools {
  readonly memoryIds: string[];
  readonly feedbackIds: string[];
  /** Namespaces and keys the run made in the main organization: more victims for destructive routes. */
  readonly namespaceIds: string[];
  readonly keyIds: string[];
}

type PathChoice = { readonly from: 'pool'; readonly index: number } | { readonly from: 'raw'; readonly text: string };
type Auth =
  | { readonly kind: 'proper'; readonly who: 'main' | 'mainOrg' | 'small' | 'victim' }
  | { readonly kind: 'none' }
  | { readonly kind: 'header'; readonly name: string; readonly value: string };

export interface Template {
  readonly route: RouteSpec;
  /** The route's method, or another one now and then (404/405). */
  readonly method: string;
  readonly path: Readonly<Record<string, PathChoice>>;
  readonly query: readonly (readonly [string, string])[];
  readonly body: { readonly kind: 'none' } | { readonly kind: 'json'; readonly value: unknown; readonly mutated: boolean } | { readonly kind: 'text'; readonly text: string | Buffer };
  readonly contentType: string | null;
  readonly auth: Auth;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Resolved {
  readonly options: InjectOptions;
  /** For messages: the request as sent, long parts shortened. */
  readonly description: string;
}

const IDEMPOTENCY_KEYS = ['fuzz-1', 'fuzz-2', 'fuzz-3'];
const SEARCH_QUERIES = ['dark mode', 'Thursday review', 'café'];

/** The ids a route's path parameter is drawn from: destructive routes only ever touch victims. */
function pathPool(world: FuzzWorld, pools: Pools, route: RouteSpec, method: string, param: string): readonly string[] {
  const { main, small, victims } = world;
  const anyOrg = [main.id, small.id, victims.orgId];
  const made = pools.namespaceIds.slice(-8);
  const anyNs = [main.nsId, small.nsId, ...victims.nsIds, ...made];
  const reading = method === 'GET' || method === 'HEAD';
  // The latest ids first: older memories are more likely deleted already.
  if (param === 'memory_id') return pools.memoryIds.length ? pools.memoryIds.slice(-5) : ['mem_none'];
  if (param === 'feedback_id') return pools.feedbackIds.length ? pools.feedbackIds.slice(-5) : ['fb_none'];
  if (param === 'namespace_id') return reading ? anyNs : [...victims.nsIds.slice(1), ...made];
  // /admin/…/{id}
  if (route.path.startsWith('/admin/api-keys/')) return [...victims.keyIds, ...pools.keyIds.slice(-8)];
  if (route.path.startsWith('/admin/namespaces/')) return reading || route.path.endsWith('/api-keys') ? anyNs : [...victims.nsIds, ...made];
  if (route.path.startsWith('/admin/organizations/')) return route.method === 'PATCH' ? [victims.orgId] : anyOrg;
  return anyOrg;
}

function hintsFor(world: FuzzWorld): Hints {
  const { main, small, victims } = world;
  const ids = (xs: string[]) => fc.constantFrom(...xs);
  return {
    organizationId: ids([main.id, small.id, victims.orgId, 'org_unknown']),
    organization_id: ids([main.id, small.id]),
    namespaceId: ids([main.nsId, small.nsId, ...victims.nsIds]),
    namespace_id: ids([main.nsId, small.nsId, ...victims.nsIds]),
    apiKeyId: ids([...victims.keyIds, 'key_unknown']),
    api_key_id: ids([...victims.keyIds, 'key_unknown']),
    search_id: ids(['s1', 's2']),
    plan_tier: ids(['developer', 'starter', 'growth', 'enterprise', 'unknown']),
    external_user_id: ids(['alice', 'bob']),
    month: fc.integer({ min: 1, max: 12 }),
    'month:string': fc.constantFrom('2026-11', '2026-10', '2026-13', '2025-12'),
    rate_limits: fc.oneof(
      fc.constant(null),
      fc.record({ rate_limit_per_minute: fc.integer({ min: 1, max: 1_000 }), max_active_memories: fc.oneof(fc.constant(null), fc.nat(100_000)), max_storage_gb: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 10, noNaN: true })) }, { requiredKeys: [] }),
    ),
    environment_type: fc.constantFrom('production', 'staging', 'development', 'test'),
    year: fc.constantFrom(2026, 2025),
    content: fc.constantFrom('Alice prefers dark mode', 'The design review is on Thursday', 'café 日本語 🙂'),
    query: fc.constantFrom(...SEARCH_QUERIES),
    // Search cursors: of a search the hints above make (valid when the body's query, external user
    // and key match), of another namespace, past the offset bound, garbled.
    cursor: fc.oneof(
      fc.constant(null),
      fc
        .record({ offset: fc.integer({ min: 1, max: 25 }), query: fc.constantFrom(...SEARCH_QUERIES), namespaceId: fc.constantFrom(main.nsId, small.nsId), externalUserId: fc.constantFrom(null, 'alice') })
        .map(({ offset, ...search }) => encodeSearchCursor(offset, search)),
      fc.constantFrom('garbage', 'e30', encodeSearchCursor(SEARCH_OFFSET_MAX + 1, { namespaceId: main.nsId, query: 'dark mode', externalUserId: null })),
    ),
    name: fc.constantFrom('fuzzed', 'n'),
  };
}

function authFor(route: RouteSpec): fc.Arbitrary<Auth> {
  const p = route.path;
  const proper: fc.Arbitrary<Auth> = p.startsWith('/admin')
    ? fc.constant({ kind: 'header', name: 'x-admin-key', value: ADMIN_KEY })
    : p.startsWith('/functions')
      ? fc.oneof(fc.constant<Auth>({ kind: 'header', name: 'x-admin-key', value: ADMIN_KEY }), fc.constantFrom<Auth>({ kind: 'proper', who: 'main' }, { kind: 'proper', who: 'mainOrg' }, { kind: 'proper', who: 'small' }))
      : p.startsWith('/v1/namespace')
        ? fc.constant({ kind: 'proper', who: 'mainOrg' })
        : fc.oneof(
            { weight: 8, arbitrary: fc.constant<Auth>({ kind: 'proper', who: 'main' }) },
            { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'proper', who: 'mainOrg' }) },
            { weight: 2, arbitrary: fc.constant<Auth>({ kind: 'proper', who: 'small' }) },
          );
  const off: fc.Arbitrary<Auth> = fc.oneof(
    fc.constant<Auth>({ kind: 'none' }),
    fc.constant<Auth>({ kind: 'proper', who: 'victim' }),
    fc.constant<Auth>({ kind: 'header', name: 'x-admin-key', value: ADMIN_KEY }),
    fc.constant<Auth>({ kind: 'header', name: 'x-api-key', value: ADMIN_KEY }),
    fc.record({ kind: fc.constant('header' as const), name: fc.constantFrom('x-api-key', 'authorization', 'x-admin-key', 'x-parse-master-key'), value: headerText }),
    fc.record({ kind: fc.constant('header' as const), name: fc.constant('authorization'), value: fc.tuple(fc.constantFrom('Bearer ', 'APIKey ', 'bearer  ', 'Basic ', ''), headerText).map(([a, b]) => a + b) }),
  );
  return fc.oneof({ weight: 17, arbitrary: proper }, { weight: 3, arbitrary: off });
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export function templateFor(world: FuzzWorld, route: RouteSpec): fc.Arbitrary<Template> {
  const hints = hintsFor(world);
  const method = fc.oneof({ weight: 49, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) });

  const pathEntries = Object.fromEntries(
    route.pathParams.map((name) => [
      name,
      fc.oneof(
        { weight: 8, arbitrary: fc.nat().map((index): PathChoice => ({ from: 'pool', index })) },
        { weight: 2, arbitrary: nastyPathValue.map((text): PathChoice => ({ from: 'raw', text })) },
      ),
    ]),
  );
  const path = fc.record(pathEntries) as fc.Arbitrary<Record<string, PathChoice>>;

  const queryParam = (q: RouteSpec['query'][number]) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      { weight: 4, arbitrary: arbitraryFor(q.schema, hints).map((v) => [[q.name, queryText(v)]] as [string, string][]) },
      { weight: 1, arbitrary: nastyQueryValue.map((v) => [[q.name, v]] as [string, string][]) },
      { weight: 1, arbitrary: fc.array(nastyQueryValue, { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v) => [q.name, v] as [string, string])) },
    );
  const extraQuery = fc.oneof({ weight: 9, arbitrary: fc.constant([] as [string, string][]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom('__proto__', 'a[b]', 'x', '', '%ED%A0%80'), nastyQueryValue), { maxLength: 2 }) });
  const query = fc.tuple(fc.tuple(...route.query.map(queryParam)), extraQuery).map(([params, extra]) => [...params.flatMap((p) => p ?? []), ...extra]);

  const body: fc.Arbitrary<Template['body']> = route.body
    ? fc.oneof(
        { weight: 8, arbitrary: arbitraryFor(route.body, hints).map((value) => ({ kind: 'json' as const, value, mutated: false })) },
        { weight: 8, arbitrary: fc.tuple(arbitraryFor(route.body, hints), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([value, ms]) => ({ kind: 'json' as const, value: mutate(value, ms), mutated: true })) },
        { weight: 1, arbitrary: nastyBodyText.map((text) => ({ kind: 'text' as const, text })) },
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
      )
    : fc.oneof({ weight: 9, arbitrary: fc.constant({ kind: 'none' as const }) }, { weight: 1, arbitrary: arbitraryFor(undefined).map((value) => ({ kind: 'json' as const, value, mutated: true })) });

  const contentType = fc.oneof(
    { weight: 30, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constant('application/json; charset=utf-8') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | null>(null, 'text/plain', 'application/x-www-form-urlencoded', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/vnd.api+json', 'multipart/form-data; boundary=x', 'application/json;;', '*/*', 'application/json, text/plain'),
    },
  );

  const headers = fc
    .record(
      {
        'idempotency-key': fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...IDEMPOTENCY_KEYS) }, { weight: 1, arbitrary: headerText }),
        'x-request-id': headerText,
        accept: fc.constantFrom('application/json', 'text/html', '*/*', 'x/y;q=abc'),
        'content-encoding': fc.constantFrom('gzip', 'identity', 'br'),
      },
      { requiredKeys: [] },
    )
    .map((h) => ({ ...h }) as Record<string, string>);
  const someHeaders = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: headers });

  return fc.record({ route: fc.constant(route), method, path, query, body, contentType, auth: authFor(route), headers: someHeaders });
}

function queryText(value: unknown): string {
  if (typeof value === 'string') return encodeURIComponent(value);
  if (typeof value === 'number' && Object.is(value, -0)) return '0';
  return encodeURIComponent(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

export function resolve(world: FuzzWorld, pools: Pools, t: Template): Resolved {
  let url = t.route.path;
  for (const name of t.route.pathParams) {
    const choice = t.path[name]!;
    const pool = pathPool(world, pools, t.route, t.method, name);
    const value = choice.from === 'pool' ? encodeURIComponent(pool[choice.index % pool.length]!) : choice.text;
    url = url.replace(`{${name}}`, value);
  }
  if (t.query.length) url += `?${t.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}`;

  const headers: Record<string, string> = { ...t.headers };
  const keys = { main: world.main.nsKey, mainOrg: world.main.orgKey, small: world.small.nsKey, victim: world.victims.keys[0]! };
  if (t.auth.kind === 'proper') headers['x-api-key'] = keys[t.auth.who];
  else if (t.auth.kind === 'header') headers[t.auth.name] = t.auth.value;

  let payload: string | Buffer | undefined;
  if (t.body.kind === 'json') payload = serialize(t.body.value);
  else if (t.body.kind === 'text') payload = t.body.text;
  if (payload !== undefined && t.contentType !== null) headers['content-type'] = t.contentType;
  if (!('content-encoding' in t.headers) || t.body.kind === 'none') delete headers['content-encoding'];

  const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  const shownPayload = payload === undefined ? '' : `\n  body: ${short(Buffer.isBuffer(payload) ? `<bytes ${payload.toString('hex')}>` : payload)}`;
  const shownHeaders = Object.entries(headers).map(([k, v]) => `${k}: ${short(v)}`).join(' | ');
  return {
    options: { method: t.method as InjectOptions['method'], url, headers, ...(payload !== undefined ? { payload } : {}) },
    description: `${t.method} ${short(url)}\n  headers: ${shownHeaders}${shownPayload}`,
  };
}

export { Raw };
