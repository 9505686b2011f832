import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMIT_FIELDS } from '../../src/core/plans.js';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
  s.clock.set('2026-11-15T12:00:05.000Z');
});
afterEach(async () => s.close());

const search = (key: string) => s.call({ method: 'POST', url: '/v1/memory/search', key, body: { query: 'x' } });

async function callsGrantedInOneMinute(key: string, attempts: number): Promise<number> {
  let granted = 0;
  for (let i = 0; i < attempts; i++) if ((await search(key)).status === 200) granted += 1;
  return granted;
}

async function organizationKey(orgId: string): Promise<string> {
  const created = await s.call({ method: 'POST', url: `/admin/organizations/${orgId}/api-keys`, admin: true, body: { name: 'org key' } });
  expect(created.status).toBe(201);
  return created.body.key;
}

describe('limits a customer writes only narrow what the plan and the operator allow', () => {
  it('an organization key cannot lift its namespace above the plan’s 10 calls a minute: 400 naming the field, and still 10 a minute', async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    const orgKey = await organizationKey(t.orgId);
    const put = await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey, body: { rate_limits: { rate_limit_per_minute: 40 } } });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ error_code: 'VALIDATION_FAILED' });
    expect(put.body.message).toMatch(/rate_limits\.rate_limit_per_minute: 40 is above the organization's limit of 10/);
    expect(await callsGrantedInOneMinute(t.key, 40)).toBe(10);
  });

  it('creating a namespace with a raised limit is refused the same way', async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    const orgKey = await organizationKey(t.orgId);
    const post = await s.call({ method: 'POST', url: '/v1/namespace', key: orgKey, body: { name: 'fast', rate_limits: { rate_limit_per_minute: 11 } } });
    expect(post.status).toBe(400);
    expect(post.body.message).toMatch(/rate_limit_per_minute: 11 is above the organization's limit of 10/);
  });

  it('every limit field a customer can write is checked against the organization’s value', async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    const orgKey = await organizationKey(t.orgId);
    const raised = Object.fromEntries(LIMIT_FIELDS.map((field) => [field, 10_000_000]));
    const put = await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey, body: { rate_limits: raised } });
    expect(put.status).toBe(400);
    // The developer tier limits every field.
    const named = LIMIT_FIELDS.filter((field) => put.body.message.includes(`rate_limits.${field}:`));
    expect(named).toEqual([...LIMIT_FIELDS]);
  });

  it('narrowing is allowed: a namespace limited to 5 a minute gets 5', async () => {
    const t = await s.tenant({ plan_tier: 'developer' });
    const orgKey = await organizationKey(t.orgId);
    const put = await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey, body: { rate_limits: { rate_limit_per_minute: 5 } } });
    expect(put.status).toBe(200);
    expect(await callsGrantedInOneMinute(t.key, 12)).toBe(5);
  });

  it('the operator raises the organization’s limit; a namespace value left above a later, lower organization limit does not lift it', async () => {
    const t = await s.tenant({ plan_tier: 'developer', rate_limits: { rate_limit_per_minute: 100 } });
    const orgKey = await organizationKey(t.orgId);
    expect((await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey, body: { rate_limits: { rate_limit_per_minute: 40 } } })).status).toBe(200);
    const lowered = await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { rate_limits: { rate_limit_per_minute: 8 } } });
    expect(lowered.status).toBe(200);
    expect(await callsGrantedInOneMinute(t.key, 20)).toBe(8);
  });

  it('under metered billing the monthly allowance is included, not a wall: a namespace may set a hard monthly cap above it', async () => {
    const t = await s.tenant({ plan_tier: 'developer', subscription: { metered_billing: true } });
    const orgKey = await organizationKey(t.orgId);
    const put = await s.call({ method: 'PUT', url: `/v1/namespace/${t.nsId}`, key: orgKey, body: { rate_limits: { max_mini_interactions_per_month: 5_000 } } });
    expect(put.status).toBe(200);
  });
});
