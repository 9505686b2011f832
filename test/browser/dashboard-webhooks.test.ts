import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startServer, type TestServer } from '../http/support/server.js';
import { browserSuiteRuns, buildDashboardIfStale, launchChromium, signIn } from './support/dashboard-browser.js';
import { settled, tableRows } from './support/page-figures.js';

/**
 * Issue 12 on the dashboard, in Debian's Chromium against the real server on a port: an
 * organization's webhook endpoints with each one's deliveries (state, attempts, last status and
 * error), and the admin's dead letters put back with Retry. What a receiver answered is shown as
 * text, never read as HTML.
 */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard-webhooks/', import.meta.url));
/** What a hostile receiver might answer: markup that would run or show if the page took it as HTML. */
const HOSTILE_ERROR = `HTTP 500: <img src=x onerror="window.__pwned=1"><b>bold</b> & "quoted" </td></tr>`;

describe.skipIf(!browserSuiteRuns('dashboard webhooks'))('webhooks and dead letters on the dashboard in Chromium', () => {
  let server: TestServer;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let tenant: Awaited<ReturnType<TestServer['tenant']>>;
  let orgKey: string;
  let hookId: string;
  let otherHookId: string;

  const api = async (path: string, headers: Record<string, string>) => {
    const response = await fetch(baseUrl + path, { headers });
    expect(response.status, path).toBe(200);
    return (await response.json()) as any;
  };
  const deliveries = async (query = '') => (await api(`/v1/webhooks/${hookId}/deliveries${query}`, { 'x-api-key': orgKey })).items as any[];
  const outbox = async (query: string) => (await api(`/admin/outbox?${query}`, { 'x-admin-key': ADMIN_KEY })).items as any[];
  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  const open = async (view: 'usage' | 'webhooks' | 'dead-letters') => {
    await page.click(`[data-view-link="${view}"]`);
    await settled(page);
  };
  const links = () => page.$$eval('[data-view-link]', (nodes) => nodes.map((n) => (n as HTMLElement).dataset.viewLink));
  /** The receiver gives up on the delivery: one attempt, answered 500 with HOSTILE_ERROR. */
  const failDelivery = async () => {
    const leased = await server.store.outbox.lease({ topic: 'webhook', owner: 'test', nowMs: server.clock.now(), leaseMs: 1_000, limit: 10 });
    expect(leased).toHaveLength(1);
    await server.store.outbox.settle('test', [{ id: leased[0]!.id, state: 'failed', error: HOSTILE_ERROR, status: 500 }]);
    return leased[0]!.id;
  };
  /** Each last-error cell of a table: its text, and how many elements the page made of it (none). */
  const errorCells = (tableId: string) =>
    page.$$eval(`#${tableId} tbody tr`, (rows) =>
      rows.map((row) => {
        const cell = row.querySelector('.delivery-error');
        return { key: (row as HTMLElement).dataset.key, text: cell?.textContent ?? null, elements: cell?.querySelectorAll('*').length ?? null };
      }),
    );

  beforeAll(async () => {
    await buildDashboardIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer();
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    tenant = await server.tenant({ rate_limits: { max_mini_interactions_per_month: 10 } });
    const post = async (path: string, headers: Record<string, string>, body: unknown) => {
      const response = await fetch(baseUrl + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as any;
      expect(response.status, `${path}: ${JSON.stringify(answer)}`).toBeLessThan(300);
      return answer;
    };
    orgKey = (await post(`/admin/organizations/${tenant.orgId}/api-keys`, { 'x-admin-key': ADMIN_KEY }, { name: 'org' })).key;
    hookId = (await post('/v1/webhooks', { 'x-api-key': orgKey }, { url: 'https://hooks.example.com/in', event_types: ['usage.threshold'] })).id;
    otherHookId = (await post('/v1/webhooks', { 'x-api-key': orgKey }, { url: 'https://hooks.example.com/keys?team=<ops>', event_types: ['key.revoked', 'plan.changed'] })).id;
    // Two memories at 4 interactions each: the second takes the organization from 4 to 8 of 10, past 80 %.
    for (let i = 0; i < 2; i++) await post('/v1/memory', { 'x-api-key': tenant.key }, { content: `memory ${i}` });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    await page.goto(`${baseUrl}/dashboard`);
    await page.waitForSelector('form.sign-in');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("an organization key: the Webhooks view lists the endpoints and each one's deliveries as GET /v1/webhooks/{id}/deliveries gives them", async () => {
    await signIn(page, 'api_key', orgKey);
    expect(await links()).toEqual(['usage', 'webhooks']);
    await open('webhooks');
    expect(new URL(page.url()).hash).toBe('#view=webhooks');
    expect(await page.textContent('#overview-title')).toBe('Acme · Webhooks');

    const endpoints = (await api('/v1/webhooks', { 'x-api-key': orgKey })).items as any[];
    const shown = await page.$$eval('section.endpoint', (nodes) =>
      nodes.map((n) => ({
        id: (n as HTMLElement).dataset.webhookId,
        url: n.querySelector('h2')?.textContent,
        types: [...n.querySelectorAll('[data-event-type]')].map((t) => t.textContent),
      })),
    );
    expect(shown).toEqual(endpoints.map((e) => ({ id: e.id, url: e.url, types: e.event_types })));
    expect(shown.map((e) => e.id).sort()).toEqual([hookId, otherHookId].sort());

    const index = shown.findIndex((e) => e.id === hookId);
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ type: 'usage.threshold', state: 'pending', attempts: 0 });
    const rows = await tableRows(page, `deliveries-${index}`);
    expect(rows.map((r) => r.key)).toEqual([delivery.id]);
    const [event, state, attempts, status, error, created, next] = rows[0]!.cells;
    expect(event).toContain('usage.threshold');
    expect(event).toContain(delivery.event_id);
    expect([state, attempts, status, error]).toEqual(['Pending', '0', '—', '—']);
    expect(created).toMatch(/^Nov 15, 2026,? 12:00$/);
    expect(next).toMatch(/^Next attempt Nov 15, 2026,? 12:00$/);
    // The endpoint for other events has had nothing to deliver.
    expect(await page.textContent(`#deliveries-${1 - index}`)).toBe('No delivery yet.');
    await shot('1-webhooks-pending');
  });

  it('a delivery given up on shows as failed, with the receiver\'s error as text; the filter shows failed ones only', async () => {
    await failDelivery();
    await page.selectOption('#filter-delivery-state', 'failed');
    await settled(page);
    expect(new URL(page.url()).hash).toBe('#view=webhooks&deliveries=failed');
    const [failed] = await deliveries('?state=failed');
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, last_status: 500, last_error: HOSTILE_ERROR });

    const index = await page.$$eval('section.endpoint', (nodes, id) => nodes.findIndex((n) => (n as HTMLElement).dataset.webhookId === id), hookId);
    const rows = await tableRows(page, `deliveries-${index}`);
    expect(rows.map((r) => r.key)).toEqual([failed.id]);
    expect(rows[0]!.cells.slice(1, 5)).toEqual(['Failed', '1', '500', HOSTILE_ERROR]);
    expect(rows[0]!.cells[6]).toBe('Given up');
    expect(await errorCells(`deliveries-${index}`)).toEqual([{ key: failed.id, text: HOSTILE_ERROR, elements: 0 }]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.textContent(`#deliveries-${1 - index}`)).toBe('No failed delivery.');
    await shot('2-webhooks-failed');

    // Pending ones only: none now. The view and its filter are in the fragment, so a reload shows them again.
    await page.selectOption('#filter-delivery-state', 'pending');
    await settled(page);
    await page.reload();
    await settled(page);
    expect(await page.inputValue('#filter-delivery-state')).toBe('pending');
    expect(await page.textContent(`#deliveries-${index}`)).toBe('No pending delivery.');
    await page.selectOption('#filter-delivery-state', '');
    await settled(page);
    expect((await tableRows(page, `deliveries-${index}`)).map((r) => r.cells[1])).toEqual(['Failed']);
  });

  it('a namespace key has no Webhooks view (the API needs an organization key)', async () => {
    await signIn(page, 'api_key', tenant.key);
    await open('usage');
    expect(await links()).toEqual(['usage']);
  });

  it('the admin: the dead letters of every organization with the error as text; Retry puts one back to pending, and so does retrying the organization', async () => {
    await signIn(page, 'admin', ADMIN_KEY);
    expect(await links()).toEqual(['usage', 'webhooks', 'dead-letters']);

    // The organization's webhooks, through the admin's routes.
    await open('webhooks');
    expect(await page.inputValue('#filter-organization')).toBe(tenant.orgId);
    expect(await page.$$eval('section.endpoint', (nodes) => nodes.map((n) => (n as HTMLElement).dataset.webhookId).sort())).toEqual([hookId, otherHookId].sort());

    await open('dead-letters');
    const [dead] = await outbox(`state=failed&organization_id=${tenant.orgId}`);
    expect(dead).toMatchObject({ last_error: HOSTILE_ERROR, state: 'failed' });
    const group = `[data-organization-id="${tenant.orgId}"]`;
    expect(await page.textContent(`${group} h2`)).toContain('Acme');
    const table = (await page.getAttribute(`${group} table`, 'id'))!;
    const rows = await tableRows(page, table);
    expect(rows.map((r) => r.key)).toEqual([dead.id]);
    expect(rows[0]!.cells.slice(0, 5).map((c, i) => (i === 0 ? c.startsWith('usage.threshold') : c))).toEqual([true, 'Failed', '1', '500', HOSTILE_ERROR]);
    expect(rows[0]!.cells[6]).toBe(`Webhook${hookId}`);
    expect(await errorCells(table)).toEqual([{ key: dead.id, text: HOSTILE_ERROR, elements: 0 }]);
    await shot('3-dead-letters');

    await page.click(`${group} tr[data-key="${dead.id}"] [data-retry="entry"]`);
    await page.waitForSelector('#dead-letters-status:text("1 dead letter was put back")');
    await settled(page);
    expect(await outbox(`state=pending&organization_id=${tenant.orgId}`)).toMatchObject([{ id: dead.id, state: 'pending', attempts: 0 }]);
    expect(await outbox('state=failed')).toEqual([]);
    expect(await page.isVisible('#dead-letters-empty')).toBe(true);
    await shot('4-dead-letters-retried');

    // Given up on again, then put back with every other dead letter of the organization.
    expect(await failDelivery()).toBe(dead.id);
    await open('dead-letters');
    expect((await tableRows(page, table)).map((r) => r.key)).toEqual([dead.id]);
    await page.click(`${group} [data-retry="organization"]`);
    await page.waitForSelector('#dead-letters-status:text("1 dead letter was put back")');
    await settled(page);
    expect(await outbox(`state=pending&organization_id=${tenant.orgId}`)).toMatchObject([{ id: dead.id, state: 'pending' }]);
    expect(await page.isVisible('#dead-letters-empty')).toBe(true);

    // Back as the organization: the delivery is pending again, with a next attempt.
    await signIn(page, 'api_key', orgKey);
    await open('webhooks');
    const index = await page.$$eval('section.endpoint', (nodes, id) => nodes.findIndex((n) => (n as HTMLElement).dataset.webhookId === id), hookId);
    const again = (await tableRows(page, `deliveries-${index}`))[0]!.cells;
    expect([again[1], again[2]]).toEqual(['Pending', '0']);
    expect(again[6]).toMatch(/^Next attempt /);
  });
});
