/** Issue 12: usage.refused is a summary of refused calls, never one event per refusal, written once per step of the chain. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeRefusals } from '../../src/billing/refusal-summaries.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { manualClock } from '../support/clock.js';
import { createWorld, type World } from '../support/world.js';

let dir: string;
let w: World;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-refused-'));
  const clock = manualClock('2026-12-08T10:00:00Z');
  w = await createWorld(createSqliteStore({ path: join(dir, 'store.db'), clock }), { clock });
});
afterEach(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

const summarize = () => summarizeRefusals({ log: w.store.log, outbox: w.store.outbox, webhooks: w.store.webhooks, clock: w.clock });
const summaries = async (organizationId: string) =>
  (await w.store.outbox.list({ organizationId, type: 'usage.refused', limit: 100 })).sort((a, b) => Number(a.payload.from_total) - Number(b.payload.from_total)).map((e) => e.payload);

describe('usage.refused summaries', () => {
  it('sums the refusals since the last summary, by reason, for organizations with an endpoint that asked', async () => {
    const { context } = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 2, rate_limit_per_minute: 1_000 } } });
    const quiet = await w.tenant({ organization: { rateLimits: { max_mini_interactions_per_month: 0 } } });
    const org = context.organization.id;
    await w.store.webhooks.create({ id: 'wh_refused', organizationId: org, url: 'https://hooks.example.com/r', eventTypes: ['usage.refused'], sealedSecret: 'v1.a.b.c', createdAt: 1 });
    for (let i = 0; i < 10; i++) await w.meter.charge(context, 'get_memory_v1');
    await w.meter.charge(quiet.context, 'get_memory_v1');
    expect(await summarize()).toBe(1);
    expect(await summarize()).toBe(0);
    expect(await summaries(org)).toEqual([
      expect.objectContaining({ organization_id: org, day: '2026-12-08', refused: 8, from_total: 0, to_total: 8, by_reason: { 'quota:organization': 8 }, since: '2026-12-08T00:00:00.000Z' }),
    ]);
    expect(await summaries(quiet.context.organization.id)).toEqual([]);

    w.clock.advance(5 * 60_000);
    for (let i = 0; i < 3; i++) await w.meter.charge(context, 'get_memory_v1');
    // Two processes summarising at once write the step once.
    const [a, b] = await Promise.all([summarize(), summarize()]);
    expect(a + b).toBe(1);
    const chain = await summaries(org);
    expect(chain).toHaveLength(2);
    expect(chain[1]).toMatchObject({ refused: 3, from_total: 8, to_total: 11, by_reason: { 'quota:organization': 3 }, since: '2026-12-08T10:00:00.000Z', until: '2026-12-08T10:05:00.000Z' });
  });
});
