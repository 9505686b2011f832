/**
 * How soon the dashboard shows its numbers: Debian's Chromium loads /dashboard/ from a server with
 * a month of seeded usage, and the page's own Performance API reports first contentful paint
 * (paint timing), the moment the figures are in the page (a performance mark the dashboard sets)
 * and the moment they are painted (Element Timing on the totals), and how long GET /v1/usage took
 * (resource timing). Cold: a new browser context each run (nothing cached, the session put in
 * sessionStorage before the page runs); warm: reloads of one tab.
 */
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../src/cli/load-config.js';
import { openRuntime } from '../src/cli/runtime.js';
import { buildServerApp } from '../src/cli/server-app.js';
import { buildWeb, isWebBuildStale } from '../web/build.js';
import { CHROMIUM, CHROMIUM_ARGS, measureDashboard, paintTable } from './lib/dashboard-paint-measure.js';
import { machine } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_PAINT_RUNS ?? 15);
const NOW = Date.parse('2026-11-28T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;


/** A month of usage through the HTTP API: 5 namespaces × 4 keys, each calling four operations every day. */
async function seed(app: FastifyInstance, runtime: Awaited<ReturnType<typeof openRuntime>>, setNow: (ms: number) => void) {
  const org = await runtime.tenancy.createOrganization({ name: 'Bench Corp', planTier: 'growth', rateLimits: { rate_limit_per_minute: 1e9 } });
  const keys: string[] = [];
  for (let n = 0; n < 5; n++) {
    const ns = await runtime.tenancy.createNamespace(org.id, { name: `namespace-${n}`, rateLimits: n === 0 ? { max_mini_interactions_per_month: 3000 } : {} });
    for (let k = 0; k < 4; k++) keys.push((await runtime.tenancy.issueNamespaceKey(ns.id, { name: `key-${n}-${k}`, ...(k === 0 ? { monthlyCap: { mini: 2000, premium: 300 } } : {}) })).key);
  }
  const orgKey = (await runtime.tenancy.issueOrganizationKey(org.id, { name: 'dashboard' })).key;
  let calls = 0;
  const call = async (key: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
    calls++;
    return r;
  };
  for (let day = 0; day < 28; day++) {
    setNow(NOW - (27 - day) * DAY_MS);
    for (const key of keys) {
      const added = await call(key, 'POST', '/v1/memory', { content: `note of day ${day}: the launch plan and its follow-ups` });
      await call(key, 'POST', '/v1/memory/batch', { memories: [{ content: 'a' }, { content: 'b' }] });
      for (let i = 0; i < 3; i++) await call(key, 'POST', '/v1/memory/search', { query: 'launch plan', rank_results: i === 0 });
      await call(key, 'GET', `/v1/memory/${(JSON.parse(added.body) as { data: { memoryId: string }[] }).data[0]!.memoryId}`);
    }
  }
  setNow(NOW);
  const rollupRows = (await runtime.store.log.rollups({ organizationId: org.id, fromDay: '2026-11-01', toDay: '2026-11-30' })).length;
  return { orgKey, calls, keys: keys.length + 1, rollupRows };
}


export async function benchDashboardPaint(): Promise<string> {
  if (isWebBuildStale()) await buildWeb();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-paint-bench-'));
  let now = NOW;
  const clock = { now: () => now };
  const config = loadConfig({
    env: { TOLLGATE_DATA: join(dir, 'paint.db'), TOLLGATE_SECRET_FILE: join(dir, 'secret'), TOLLGATE_EVENTS: 'false' },
    overrides: { operations: { search_v1: { type: 'premium' } } },
  });
  const runtime = await openRuntime(config, { clock });
  const { app } = await buildServerApp(runtime);
  let browser: Browser | null = null;
  try {
    const seeded = await seed(app, runtime, (ms) => (now = ms));
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${baseUrl}/dashboard/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const { signIn, cold, warm } = await measureDashboard(browser, url, seeded.orgKey, RUNS);

    return [
      `Machine: ${machine()}; Chromium ${browser.version()} headless. Server in this process on SQLite; ${seeded.calls.toLocaleString('en-US')} calls seeded through the HTTP API over 28 days (5 namespaces, ${seeded.keys} keys, 4 operations: ${seeded.rollupRows.toLocaleString('en-US')} daily rollup rows in the period), the dashboard signed in with the organization key. Milliseconds from navigation start, median / max of ${RUNS} runs.`,
      '',
      paintTable({ signIn, cold, warm }),
    ].join('\n');
  } finally {
    await browser?.close();
    await app.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
