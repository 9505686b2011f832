/**
 * The fuzz property, run against one world: every case is sent with inject(), and
 * - no answer is a 5xx, and none takes longer than FUZZ_MAX_MS (2 s);
 * - every 4xx has the documented body: code = status, status "error", an error_code declared with
 *   that status, a message, the request id, and for VALIDATION_FAILED the field (or the problems);
 * - a 4xx leaves both organizations' counters and Interaction records as they were;
 * - a 2xx adds exactly its X-Usage-Cost to the records and the interaction counters.
 */
import fc from 'fast-check';
import { ERRORS } from '../../../src/core/errors.js';
import { resolve, templateFor, type Pools, type Template } from './requests.js';
import { serialize } from './mutations.js';
import type { RouteSpec } from './routes.js';
import { FUZZ_MAX_MS, FUZZ_PATH } from './settings.js';
import type { FuzzWorld, Snapshot } from './world.js';

export interface FuzzStats {
  cases: number;
  byStatus: Record<string, number>;
  /** Per route: cases, and how many answered 2xx. */
  byRoute: Record<string, { cases: number; ok: number }>;
  mutatedBodies: number;
  slowestMs: number;
}

const short = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function describeTemplate(t: Template): string {
  const body = t.body.kind === 'json' ? serialize(t.body.value) : t.body.kind === 'text' ? (Buffer.isBuffer(t.body.text) ? `<bytes ${t.body.text.toString('hex')}>` : t.body.text) : '';
  return short(
    `${t.method} ${t.route.path} path=${JSON.stringify(t.path)} query=${short(JSON.stringify(t.query), 200)} auth=${short(JSON.stringify(t.auth), 120)} content-type=${t.contentType} headers=${short(JSON.stringify(t.headers), 200)} body=${short(body, 300)}`,
    1_200,
  );
}

const sameSnapshot = (a: Snapshot, b: Snapshot) => a.count === b.count && a.calls === b.calls && a.counters.every((v, i) => v === b.counters[i]);

/** Waits for what onResponse hooks may still do (a refund) to settle on `expected`. */
async function settle(world: FuzzWorld, orgId: string, expected: Snapshot): Promise<Snapshot> {
  let now = await world.snapshot(orgId);
  for (let i = 0; i < 20 && !sameSnapshot(now, expected); i += 1) {
    await new Promise((r) => setTimeout(r, i < 5 ? 0 : 10));
    now = await world.snapshot(orgId);
  }
  return now;
}

export async function runFuzz(world: FuzzWorld, routes: readonly RouteSpec[], options: { seed: number; numRuns: number }): Promise<FuzzStats> {
  const stats: FuzzStats = { cases: 0, byStatus: {}, byRoute: {}, mutatedBodies: 0, slowestMs: 0 };
  const pools: Pools = { memoryIds: [], feedbackIds: [], namespaceIds: [], keyIds: [] };
  const orgs = [world.main.id, world.small.id];
  let before = await Promise.all(orgs.map((id) => world.snapshot(id)));

  const template = fc.constantFrom(...routes).chain((route) => templateFor(world, route).map((t) => Object.assign(t, { [fc.toStringMethod]: () => describeTemplate(t) })));

  await fc.assert(
    fc.asyncProperty(template, async (t) => {
      world.clock.advance(1_000);
      // The minute's and the period's counters of the advanced clock.
      before = await Promise.all(orgs.map((id) => world.snapshot(id)));
      const request = resolve(world, pools, t);
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const response = await Promise.race([
        world.app.inject(request.options),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within 10 s\n${request.description}`)), 10_000))),
      ]).finally(() => clearTimeout(timer));
      const elapsedMs = performance.now() - started;
      const status = response.statusCode;
      stats.cases += 1;
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      const perRoute = (stats.byRoute[`${t.route.method} ${t.route.path}`] ??= { cases: 0, ok: 0 });
      perRoute.cases += 1;
      if (status < 300) perRoute.ok += 1;
      if (t.body.kind === 'json' && t.body.mutated) stats.mutatedBodies += 1;
      stats.slowestMs = Math.max(stats.slowestMs, elapsedMs);

      const fail = (why: string): never => {
        throw new Error(`${why}\nrequest: ${request.description}\nanswer: ${status} ${short(response.body, 1_000)}`);
      };
      if (status >= 500) fail(`a ${status}`);
      if (elapsedMs > FUZZ_MAX_MS) fail(`took ${Math.round(elapsedMs)} ms (bound ${FUZZ_MAX_MS} ms)`);

      if (status >= 400 && t.method !== 'HEAD') {
        let body: Record<string, any>;
        try {
          body = response.json();
        } catch {
          return fail('a 4xx whose body is not JSON');
        }
        const declared = ERRORS[body.error_code as keyof typeof ERRORS];
        if (body.code !== status || body.status !== 'error' || !declared || declared.status !== status) fail('a 4xx not in the documented shape (code, status, a declared error_code of this status)');
        if (typeof body.message !== 'string' || body.message.length < 8 || typeof body.request_id !== 'string' || !body.request_id) fail('a 4xx without a message or a request id');
        if (body.error_code === 'VALIDATION_FAILED' && typeof body.details?.field !== 'string' && !(Array.isArray(body.details?.problems) && body.details.problems.length)) {
          fail('a VALIDATION_FAILED that names no field');
        }
      }

      const after = await Promise.all(orgs.map((id, i) => (status >= 400 ? settle(world, id, before[i]!) : world.snapshot(id))));
      if (status >= 400) {
        after.forEach((a, i) => {
          if (!sameSnapshot(a, before[i]!)) fail(`a refused call (${status}) changed ${i === 0 ? 'the main' : 'the small'} organization's usage: ${JSON.stringify(before[i])} → ${JSON.stringify(a)}`);
        });
      } else {
        const cost = Number(response.headers['x-usage-cost'] ?? 0);
        const added = after.reduce((s, a, i) => s + a.count - before[i]!.count, 0);
        const counted = after.reduce((s, a, i) => s + a.counters[0]! + a.counters[1]! - before[i]!.counters[0]! - before[i]!.counters[1]!, 0);
        if (added !== cost || counted !== cost) fail(`a ${status} with X-Usage-Cost ${cost} added ${added} to the records and ${counted} to the counters`);
        collectIds(pools, world, t.route, response.json.bind(response), status);
      }
    }),
    { seed: options.seed, numRuns: options.numRuns, ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}) },
  );
  return stats;
}

function collectIds(pools: Pools, world: FuzzWorld, route: RouteSpec, json: () => any, status: number) {
  if (status >= 300 || route.method !== 'POST') return;
  const keep = (pool: string[], ids: unknown[]) => {
    for (const id of ids) if (typeof id === 'string') pool.push(id);
    pool.splice(0, Math.max(0, pool.length - 50));
  };
  let body: any;
  try {
    body = json();
  } catch {
    return;
  }
  if (route.path === '/v1/memory') keep(pools.memoryIds, (body.data ?? []).map((d: any) => d?.memoryId));
  if (route.path === '/v1/memory/batch') keep(pools.memoryIds, (body.successful ?? []).map((s: any) => s?.data?.[0]?.memoryId));
  if (route.path === '/v1/feedback') keep(pools.feedbackIds, [body.feedback_id]);
  if (route.path === '/v1/feedback/batch') keep(pools.feedbackIds, body.feedback_ids ?? []);
  if (route.path === '/v1/namespace') keep(pools.namespaceIds, [body.data?.id]);
  if (route.path === '/admin/organizations/{id}/namespaces' && body.organization_id === world.main.id) keep(pools.namespaceIds, [body.id]);
  if (route.path.endsWith('/api-keys') && (body.organization_id ?? body.data?.organization_id) === world.main.id) keep(pools.keyIds, [body.id ?? body.data?.objectId]);
}
