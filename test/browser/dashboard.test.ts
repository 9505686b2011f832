import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startServer, type TestServer } from '../http/support/server.js';
import { browserSuiteRuns, buildDashboardIfStale, launchChromium, signIn as signInWith } from './support/dashboard-browser.js';
import { figure, limitBars, settled, tableRows, totals } from './support/page-figures.js';
import { seedUsage, type Seeded } from './support/seed.js';

/**
 * The dashboard in Debian's Chromium against the real server on a port: what the page shows must
 * be exactly what the usage API answers, before and after the filters change.
 */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const COLOURS = { ok: 'rgb(29, 78, 216)', warning: 'rgb(180, 83, 9)', critical: 'rgb(185, 28, 28)' };

describe.skipIf(!browserSuiteRuns('dashboard'))('the usage dashboard in Chromium', () => {
  let server: TestServer;
  let baseUrl: string;
  let seeded: Seeded;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  const api = async (path: string, headers: Record<string, string>) => {
    const response = await fetch(baseUrl + path, { headers });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };
  const usage = (key: string, query = '') => api(`/v1/usage${query}`, { 'x-api-key': key });
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  const signIn = (kind: 'api_key' | 'admin', key: string) => signInWith(page, kind, key);
  const choose = async (select: string, value: string) => {
    await page.selectOption(select, value);
    await settled(page);
  };

  beforeAll(async () => {
    await buildDashboardIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({ operations: { search_v1: { type: 'premium' } } });
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = address;
    seeded = await seedUsage(server, baseUrl);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${baseUrl}/dashboard`);
    await page.waitForSelector('form.sign-in');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Every figure of the page against the report the API gives for the same view. */
  async function expectPageToShow(report: any) {
    const shown = await totals(page);
    expect(shown).toEqual({
      'mini-used': report.interactions.mini.used,
      'premium-used': report.interactions.premium.used,
      calls: report.interactions.mini.calls + report.interactions.premium.calls,
      refused: report.refused,
    });

    const operations = await tableRows(page, 'operations-table');
    expect(operations.map((r) => r.key).sort()).toEqual(report.by_operation_type.map((g: any) => g.operation_type).sort());
    for (const g of report.by_operation_type) {
      const row = operations.find((r) => r.key === g.operation_type)!;
      expect(row.cells.slice(1, 4).map(figure), g.operation_type).toEqual([g.interactions, g.calls, g.refused]);
    }

    const namespaces = await tableRows(page, 'namespaces-table');
    expect(namespaces.map((r) => r.key)).toEqual(report.namespaces.map((n: any) => n.namespace_id));
    for (const [i, ns] of report.namespaces.entries()) {
      const { mini, premium } = ns.interactions;
      expect(namespaces[i]!.cells.slice(1).map(figure), ns.name).toEqual([mini.used, mini.limit, mini.remaining, premium.used, premium.limit, premium.remaining, ns.refused]);
    }

    const keys = await tableRows(page, 'api-keys-table');
    expect(keys.map((r) => r.key)).toEqual(report.api_keys.map((k: any) => k.api_key_id));
    for (const [i, key] of report.api_keys.entries()) {
      const { mini, premium } = key.interactions;
      const cells = keys[i]!.cells;
      expect(cells[0]).toContain(key.name);
      expect(cells[1]).toBe(`${key.prefix}…`);
      expect(cells[3] === 'Never').toBe(key.last_used_at === null);
      expect(cells.slice(4).map(figure), key.name).toEqual([mini.used, mini.limit, mini.remaining, premium.used, premium.limit, premium.remaining, key.refused]);
    }

    const days = await tableRows(page, 'daily-table');
    expect(days.map((r) => r.key)).toEqual(report.daily.map((d: any) => d.day));
    for (const [i, d] of report.daily.entries()) expect(days[i]!.cells.slice(1).map(figure), d.day).toEqual([d.mini, d.premium, d.calls, d.refused]);

    const refused = await tableRows(page, 'refused-table');
    expect(refused.map((r) => [r.key, figure(r.cells[1])])).toEqual(report.refused_by_reason.map((r: any) => [r.reason, r.calls]));
  }

  it('an organization key: totals, limits, daily figures, breakdowns and tables equal GET /v1/usage; bars turn amber at 80 % and red at 95 %', async () => {
    await shot('1-sign-in');
    await signIn('api_key', seeded.keys.org.key);
    // Stay signed in (ticked by default): the key is in this tab's sessionStorage, nowhere else.
    expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('tollgate.dashboard.session') ?? 'null'))).toEqual({ kind: 'api_key', key: seeded.keys.org.key });
    const report = await usage(seeded.keys.org.key);
    expect(report.interactions.mini.used).toBeGreaterThan(0);
    await expect.poll(async () => (await tableRows(page, 'api-keys-table')).length).toBe(report.api_keys.length);
    await expectPageToShow(report);
    expect(await page.textContent('[data-field="period"]')).toMatch(/^Nov 1\s*–\s*30, 2026 \(UTC\)$/);
    expect(await page.textContent('[data-field="tier"]')).toBe('Starter plan');

    const bars = await limitBars(page);
    const bar = (scope: string, id: string, type: string) => bars.find((b) => b.scope === scope && b.id === id && b.type === type)!;
    const organization = bar('organization', seeded.orgId, 'mini');
    expect([organization.used, organization.limit, organization.level, organization.colour]).toEqual([report.interactions.mini.used, 50_000, 'ok', COLOURS.ok]);
    expect(bar('organization', seeded.orgId, 'premium')).toMatchObject({ used: report.interactions.premium.used, limit: 500, level: 'ok' });
    expect(bar('namespace', seeded.namespaces.staging, 'mini')).toMatchObject({ used: 84, limit: 100, level: 'warning', colour: COLOURS.warning });
    expect(bar('namespace', seeded.namespaces.eu, 'mini')).toMatchObject({ used: 48, limit: 50, level: 'critical', colour: COLOURS.critical });
    expect(bar('api_key', seeded.keys.backend.id, 'premium')).toMatchObject({ used: 17, limit: 20, level: 'warning', colour: COLOURS.warning });
    // production has no limit of its own: no bar.
    expect(bars.some((b) => b.id === seeded.namespaces.production)).toBe(false);
    await shot('2-organization-november');
  });

  it('switching the month, then the namespace, shows the figures the API gives for that view', async () => {
    await choose('#filter-month', '2026-10');
    expect(await page.textContent('[data-field="period"]')).toMatch(/^Oct 1\s*–\s*31, 2026 \(UTC\)$/);
    const october = await usage(seeded.keys.org.key, '?month=2026-10');
    expect(october.interactions.premium.used).toBe(2);
    await expectPageToShow(october);
    await shot('3-organization-october');

    await choose('#filter-namespace', seeded.namespaces.production);
    await expectPageToShow(await usage(seeded.keys.org.key, `?month=2026-10&namespace_id=${seeded.namespaces.production}`));

    await choose('#filter-month', '2026-11');
    const staging = `?namespace_id=${seeded.namespaces.staging}`;
    await choose('#filter-namespace', seeded.namespaces.staging);
    const stagingReport = await usage(seeded.keys.org.key, staging);
    await expectPageToShow(stagingReport);
    expect(await page.textContent('#overview-title')).toBe('Globex · staging');
    expect((await limitBars(page)).map((b) => [b.scope, b.type, b.level])).toEqual([['namespace', 'mini', 'warning']]);
    await shot('4-namespace-staging');

    await choose('#filter-key', seeded.keys.staging.id);
    await expectPageToShow(await usage(seeded.keys.org.key, `${staging}&api_key_id=${seeded.keys.staging.id}`));
    // The view is in the URL's fragment (ids only), so a reload shows it again.
    expect(new URL(page.url()).hash).toBe(`#namespace=${seeded.namespaces.staging}&key=${seeded.keys.staging.id}`);
  });

  it('a namespace key sees its own namespace, at the limit in red', async () => {
    await page.evaluate(() => (location.hash = ''));
    await signIn('api_key', seeded.keys.eu.key);
    const report = await usage(seeded.keys.eu.key);
    expect(report.scope).toBe('namespace');
    await expectPageToShow(report);
    expect(await page.isDisabled('#filter-namespace')).toBe(true);
    expect((await limitBars(page)).map((b) => [b.id, b.level, b.colour])).toEqual([[seeded.namespaces.eu, 'critical', COLOURS.critical]]);
    await shot('5-namespace-key-eu');
    // On a phone: the same page in one column.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('5b-namespace-key-eu-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('the admin key: picks an organization and sees the report of /admin/organizations/:id/usage', async () => {
    await signIn('admin', ADMIN_KEY);
    expect(await page.inputValue('#filter-organization')).toBe(seeded.orgId);
    const report = await api(`/admin/organizations/${seeded.orgId}/usage`, { 'x-admin-key': ADMIN_KEY });
    expect(report).toEqual(await usage(seeded.keys.org.key));
    await expectPageToShow(report);
    await shot('6-admin');
  });

  it('a wrong key is turned away with the reason; keys stay out of URLs and out of localStorage; nothing is loaded from elsewhere', async () => {
    await signIn('api_key', 'tg_not_a_real_key');
    expect(await page.textContent('.sign-in .error')).toMatch(/That key was not accepted/);
    await shot('7-wrong-key');
    const origin = new URL(baseUrl).origin;
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    for (const key of [seeded.keys.org.key, seeded.keys.eu.key, ADMIN_KEY]) expect(requested.filter((url) => url.includes(key))).toEqual([]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // Turned away, the tab forgets the key it held.
    expect(await page.evaluate(() => sessionStorage.getItem('tollgate.dashboard.session'))).toBeNull();
  });
});
