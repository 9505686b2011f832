/**
 * How soon the dashboard shows its numbers: Debian's Chromium loads /dashboard/ from a server with
 * a month of seeded usage, and the page's own Performance API reports first contentful paint
 * (paint timing), the moment the figures are in the page (a performance mark the dashboard sets)
 * and the moment they are painted (Element Timing on the totals), and how long GET /v1/usage took
 * (resource timing). Cold: a new browser context each run (nothing cached, the session put in
 * sessionStorage before the page runs); warm: reloads of one tab.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../src/cli/load-config.js';
import { openRuntime } from '../src/cli/runtime.js';
import { buildApp } from '../src/http/app.js';
import { createAdminKeys } from '../src/tenancy/index.js';
import { buildWeb, isWebBuildStale } from '../web/build.js';
import { machine } from './lib/measure.js';

const RUNS = Number(process.env.BENCH_PAINT_RUNS ?? 15);
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const NOW = Date.parse('2026-11-28T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const SESSION_KEY = 'tollgate.dashboard.session';

interface Paint {
  readonly fcpMs: number;
  readonly numbersInPageMs: number;
  readonly numbersPaintedMs: number;
  readonly usageApiMs: number;
}

/** A month of usage through the HTTP API: 5 namespaces × 4 keys, each calling four operations every day. */
async function seed(app: Awaited<ReturnType<typeof buildApp>>, runtime: Awaited<ReturnType<typeof openRuntime>>, setNow: (ms: number) => void) {
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

async function measure(page: Page): Promise<Paint> {
  await page.waitForFunction(() => performance.getEntriesByName('tollgate:numbers-shown').length > 0, undefined, { timeout: 10_000 });
  return page.evaluate(async () => {
    const painted = await new Promise<number>((resolve) => {
      new PerformanceObserver((list) => {
        const entries = list.getEntries() as (PerformanceEntry & { identifier: string; renderTime: number; loadTime: number })[];
        const totals = entries.filter((e) => e.identifier === 'usage-totals');
        if (totals.length > 0) resolve(Math.max(...totals.map((e) => e.renderTime || e.loadTime)));
      }).observe({ type: 'element', buffered: true });
      setTimeout(() => resolve(Number.NaN), 3000);
    });
    const usage = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) => r.name.includes('/usage'));
    return {
      fcpMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
      numbersInPageMs: performance.getEntriesByName('tollgate:numbers-shown')[0]!.startTime,
      numbersPaintedMs: painted,
      usageApiMs: usage ? usage.responseEnd - usage.requestStart : Number.NaN,
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const max = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => (Number.isNaN(x) ? '—' : `${Math.round(x)}`);

function row(label: string, runs: Paint[]): string {
  const col = (pick: (p: Paint) => number) => (runs.every((p) => Number.isNaN(pick(p))) ? '—' : `${ms(median(runs.map(pick)))} / ${ms(max(runs.map(pick)))}`);
  return `| ${label} | ${runs.length} | ${col((p) => p.fcpMs)} | ${col((p) => p.numbersInPageMs)} | ${col((p) => p.numbersPaintedMs)} | ${col((p) => p.usageApiMs)} |`;
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
  const app = await buildApp({
    store: runtime.store,
    meter: runtime.meter,
    tenancy: runtime.tenancy,
    adminKeys: createAdminKeys({ settings: runtime.store.settings, keySecret: config.keySecret, configured: null }),
    clock,
    metering: config.metering,
    maxContentBytes: config.memory.maxContentBytes,
  });
  let browser: Browser | null = null;
  try {
    const seeded = await seed(app, runtime, (ms) => (now = ms));
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${baseUrl}/dashboard/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const session = JSON.stringify({ kind: 'api_key', key: seeded.orgKey });

    const signIn: Paint[] = [];
    const cold: Paint[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForSelector('form.sign-in');
      const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN);
      signIn.push({ fcpMs: fcp, numbersInPageMs: Number.NaN, numbersPaintedMs: Number.NaN, usageApiMs: Number.NaN });
      await context.close();

      const returning = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await returning.addInitScript(([key, value]) => sessionStorage.setItem(key!, value!), [SESSION_KEY, session]);
      const again = await returning.newPage();
      await again.goto(url);
      cold.push(await measure(again));
      await returning.close();
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(([key, value]) => sessionStorage.setItem(key!, value!), [SESSION_KEY, session]);
    const page = await context.newPage();
    await page.goto(url);
    await measure(page);
    const warm: Paint[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.reload();
      warm.push(await measure(page));
    }

    const all = [...cold, ...warm];
    const worst = max(all.map((p) => p.numbersPaintedMs));
    return [
      `Machine: ${machine()}; Chromium ${browser.version()} headless. Server in this process on SQLite; ${seeded.calls.toLocaleString('en-US')} calls seeded through the HTTP API over 28 days (5 namespaces, ${seeded.keys} keys, 4 operations: ${seeded.rollupRows.toLocaleString('en-US')} daily rollup rows in the period), the dashboard signed in with the organization key. Milliseconds from navigation start, median / max of ${RUNS} runs.`,
      '',
      '| load | runs | first contentful paint | numbers in the page | numbers painted | GET /v1/usage |',
      '|---|---|---|---|---|---|',
      row('first visit (sign-in form, new context)', signIn),
      row('signed-in tab, new context (cold cache)', cold),
      row('signed-in tab, reload (warm cache)', warm),
      '',
      `**Slowest time to the numbers painted: ${ms(worst)} ms** (goal: under 1,000 ms).`,
    ].join('\n');
  } finally {
    await browser?.close();
    await app.close();
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
