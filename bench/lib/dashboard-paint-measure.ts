/** Measuring the dashboard's paint in Debian's Chromium (bench/dashboard-paint.ts, bench/analytics-10m.ts). */
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const SESSION_KEY = 'tollgate.dashboard.session';

export interface Paint {
  readonly fcpMs: number;
  readonly numbersInPageMs: number;
  readonly numbersPaintedMs: number;
  readonly usageApiMs: number;
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

export function row(label: string, runs: Paint[]): string {
  const col = (pick: (p: Paint) => number) => (runs.every((p) => Number.isNaN(pick(p))) ? '—' : `${ms(median(runs.map(pick)))} / ${ms(max(runs.map(pick)))}`);
  return `| ${label} | ${runs.length} | ${col((p) => p.fcpMs)} | ${col((p) => p.numbersInPageMs)} | ${col((p) => p.numbersPaintedMs)} | ${col((p) => p.usageApiMs)} |`;
}


export interface DashboardPaints {
  readonly signIn: Paint[];
  readonly cold: Paint[];
  readonly warm: Paint[];
}

/**
 * Cold: a new browser context each run (nothing cached, the session put in sessionStorage before
 * the page runs); warm: reloads of one tab; and the sign-in form's first paint.
 */
export async function measureDashboard(browser: Browser, url: string, apiKey: string, runs: number): Promise<DashboardPaints> {
  const session = JSON.stringify({ kind: 'api_key', key: apiKey });
  const signIn: Paint[] = [];
  const cold: Paint[] = [];
  for (let i = 0; i < runs; i++) {
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
  for (let i = 0; i < runs; i++) {
    await page.reload();
    warm.push(await measure(page));
  }
  await context.close();
  return { signIn, cold, warm };
}

export function paintTable({ signIn, cold, warm }: DashboardPaints): string {
  const worst = max([...cold, ...warm].map((p) => p.numbersPaintedMs));
  return [
    '| load | runs | first contentful paint | numbers in the page | numbers painted | GET /v1/usage |',
    '|---|---|---|---|---|---|',
    row('first visit (sign-in form, new context)', signIn),
    row('signed-in tab, new context (cold cache)', cold),
    row('signed-in tab, reload (warm cache)', warm),
    '',
    `**Slowest time to the numbers painted: ${ms(worst)} ms** (goal: under 1,000 ms).`,
  ].join('\n');
}
