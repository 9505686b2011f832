import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.js';

/** Issue 12: observe mode counts, records and bills every call, refuses none for a monthly limit, and records each would-be refusal. */
let s: TestServer;
afterEach(async () => s.close());

const add = (key: string, i: number) => s.call({ method: 'POST', url: '/v1/memory', key, body: { content: `memory ${i}` } });

describe('observe mode', () => {
  it('an organization set to observe is served past its monthly limit; each call past it says why it would have been refused, and is recorded so', async () => {
    s = await startServer();
    const t = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 10 } });
    const patched = await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { subscription: { enforcement: 'observe' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.subscription.enforcement).toBe('observe');
    await s.store.webhooks.create({ id: 'wh_observe', organizationId: t.orgId, url: 'https://hooks.example.com/o', eventTypes: ['usage.threshold'], sealedSecret: 'v1.a.b.c', createdAt: 1 });

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await add(t.key, i));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // 4 interactions each: 4, 8 fit in 10; 12, 16 and 20 would have been refused.
    expect(answers.map((a) => a.headers['x-usage-observed-refusal'] ?? null)).toEqual([null, null, 'observed:quota:organization', 'observed:quota:organization', 'observed:quota:organization']);
    expect(answers[4]!.headers['x-usage-limit']).toBe('10');

    const [refusals] = await Promise.all([s.store.log.refusals({ organizationId: t.orgId, fromDay: '2000-01-01', toDay: '2100-01-01' })]);
    expect(refusals.map((r) => [r.reason, r.count])).toEqual([['observed:quota:organization', 3]]);
    const interactions = await s.store.log.interactions({ organizationId: t.orgId });
    expect(interactions.reduce((sum, r) => sum + r.count, 0)).toBe(20);
    // The same alerts as under enforcement: 80 %, 95 % and 100 % of the limit, each once.
    const thresholds = await s.store.outbox.list({ organizationId: t.orgId, type: 'usage.threshold', limit: 100 });
    expect(thresholds.filter((e) => e.payload.scope === 'organization').map((e) => e.payload.threshold_percent).sort((a, b) => Number(a) - Number(b))).toEqual([80, 95, 100]);

    // Back to enforce: the next call is refused.
    await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { subscription: { enforcement: 'enforce' } } });
    expect((await add(t.key, 9)).status).toBe(429);
    expect((await s.call({ method: 'PATCH', url: `/admin/organizations/${t.orgId}`, admin: true, body: { subscription: { enforcement: 'lenient' } } })).status).toBe(400);
  });

  it("a deployment set to observe observes every organization but one that asks to be enforced; the minute rate is still enforced", async () => {
    s = await startServer({ metering: { enforcement: 'observe' } });
    const observed = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 4, rate_limit_per_minute: 3 } });
    const enforced = await s.tenant({ rate_limits: { max_mini_interactions_per_month: 4 }, subscription: { enforcement: 'enforce' } });
    expect((await add(observed.key, 0)).status).toBe(200);
    const past = await add(observed.key, 1);
    expect(past.status).toBe(200);
    expect(past.headers['x-usage-observed-refusal']).toBe('observed:quota:organization');
    expect((await add(observed.key, 2)).status).toBe(200);
    expect((await add(observed.key, 3)).status).toBe(429);
    expect((await add(enforced.key, 0)).status).toBe(200);
    const refused = await add(enforced.key, 1);
    expect(refused.status).toBe(429);
    expect(refused.body.error_code).toBe('QUOTA_EXCEEDED');
  });
});
