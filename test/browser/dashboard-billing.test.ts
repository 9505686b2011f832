import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startServer, type TestServer } from '../http/support/server.js';
import { browserSuiteRuns, buildDashboardIfStale, openDashboard, signIn } from './support/dashboard-browser.js';
import { figure, settled, tableRows } from './support/page-figures.js';

/**
 * Issue 12 on the dashboard, in Debian's Chromium against the real server on a port: under metered
 * billing the usage view shows, per interaction type, what the plan includes, what was used, the
 * overage billed past it and the spending ceiling, as GET /v1/usage gives them; an organization
 * without metered billing shows no such panel.
 */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard-billing/', import.meta.url));

describe.skipIf(!browserSuiteRuns('dashboard billing'))('metered billing on the dashboard in Chromium', () => {
  let server: TestServer;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let metered: Awaited<ReturnType<TestServer['tenant']>>;
  let unmetered: Awaited<ReturnType<TestServer['tenant']>>;
  let meteredKey: string;
  let unmeteredKey: string;

  const send = async (method: 'POST' | 'PUT', path: string, headers: Record<string, string>, body: unknown) => {
    const response = await fetch(baseUrl + path, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await response.json()) as any;
    expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBeLessThan(300);
    return answer;
  };
  const usage = async (key: string) => {
    const response = await fetch(`${baseUrl}/v1/usage`, { headers: { 'x-api-key': key } });
    expect(response.status).toBe(200);
    return (await response.json()) as any;
  };
  const orgKeyOf = async (orgId: string) => (await send('POST', `/admin/organizations/${orgId}/api-keys`, { 'x-admin-key': ADMIN_KEY }, { name: 'org' })).key as string;
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  /** The panel's rows: per type, included, used, overage and ceiling as figures (null where the page says "none" or "No limit"). */
  const billingRows = async () =>
    (await tableRows(page, 'billing-table')).map((r) => ({ type: r.key, label: r.cells[0], included: figure(r.cells[1]), used: figure(r.cells[2]), overage: figure(r.cells[3]), ceiling: figure(r.cells[4]), ceilingText: r.cells[4] }));

  beforeAll(async () => {
    await buildDashboardIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer();
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const rate_limits = { max_mini_interactions_per_month: 10 };
    metered = await server.tenant({ rate_limits, subscription: { metered_billing: true, billing_customer_id: 'cus_x' } });
    unmetered = await server.tenant({ rate_limits });
    meteredKey = await orgKeyOf(metered.orgId);
    unmeteredKey = await orgKeyOf(unmetered.orgId);
    expect(await send('PUT', '/v1/spending-ceiling', { 'x-api-key': meteredKey }, { mini: 40 })).toEqual({ mini: { included: 10, ceiling: 40 }, premium: { included: null, ceiling: null } });
    // Four memories at 4 interactions each: 16 used of the 10 included, 6 of them overage.
    for (let i = 0; i < 4; i++) await send('POST', '/v1/memory', { 'x-api-key': metered.key }, { content: `memory ${i}` });
    // The same for the unmetered organization, as far as its limit of 10 lets it.
    for (let i = 0; i < 2; i++) await send('POST', '/v1/memory', { 'x-api-key': unmetered.key }, { content: `memory ${i}` });
    ({ browser, page } = await openDashboard(baseUrl));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an organization key on metered billing: included 10, used 16, overage 6 and ceiling 40 for mini, as GET /v1/usage gives them', async () => {
    await signIn(page, 'api_key', meteredKey);
    const report = await usage(meteredKey);
    expect(report.billing).toEqual({ mini: { included: 10, used: 16, overage: 6, ceiling: 40 }, premium: { included: null, used: 0, overage: 0, ceiling: null } });

    expect(await page.textContent('#billing-title')).toBe('Metered billing');
    expect(await page.textContent('#billing .hint')).toMatch(/overage/);
    const rows = await billingRows();
    expect(rows.map((r) => r.type)).toEqual(['mini', 'premium']);
    expect(rows[0]).toMatchObject({ label: 'Mini', included: 10, used: 16, overage: 6, ceiling: 40 });
    // No ceiling: "none"; no included amount either.
    expect(rows[1]).toMatchObject({ label: 'Premium', included: null, used: 0, overage: 0, ceiling: null, ceilingText: 'none' });
    for (const row of rows) {
      const b = report.billing[row.type!];
      expect([row.included, row.used, row.overage, row.ceiling], row.type).toEqual([b.included, b.used, b.overage, b.ceiling]);
    }
    await shot('1-metered');
  });

  it('narrowed to a namespace, the panel is gone: the billing figures are the organization\'s', async () => {
    await page.selectOption('#filter-namespace', metered.nsId);
    await settled(page);
    expect(await page.textContent('#overview-title')).toBe('Acme · production');
    expect(await page.$('#billing')).toBeNull();
  });

  it('an organization without metered billing shows no billing panel', async () => {
    await page.evaluate(() => (location.hash = ''));
    await signIn(page, 'api_key', unmeteredKey);
    expect((await usage(unmeteredKey)).billing).toBeNull();
    expect(await page.isVisible('[data-field="mini-used"]')).toBe(true);
    expect(await page.$('#billing')).toBeNull();
    expect(await page.$('#billing-table')).toBeNull();
    await shot('2-unmetered');
  });

  it('the admin sees the panel for the metered organization only (GET /admin/organizations/{id}/usage)', async () => {
    await signIn(page, 'admin', ADMIN_KEY);
    await page.selectOption('#filter-organization', metered.orgId);
    await settled(page);
    expect((await billingRows()).find((r) => r.type === 'mini')).toMatchObject({ included: 10, used: 16, overage: 6, ceiling: 40 });
    await page.selectOption('#filter-organization', unmetered.orgId);
    await settled(page);
    expect(await page.isVisible('[data-field="mini-used"]')).toBe(true);
    expect(await page.$('#billing')).toBeNull();
  });
});
