import { afterEach, describe, expect, it } from 'vitest';
import { parseOperationOverrides } from '../../src/core/config.js';
import { startServer, type TestServer } from './support/server.js';

let s: TestServer;
afterEach(async () => s?.close());

const used = async (key: string) => (await s.call({ method: 'GET', url: '/v1/usage', key })).body.interactions.mini.used as number;

describe('a call its own request made fail costs what the catalogue says', () => {
  it('by default a 404 for a memory or feedback that does not exist costs nothing, and is shown as refunded', async () => {
    s = await startServer();
    const t = await s.tenant();
    const missing = [
      { method: 'GET', url: '/v1/memory/mem_missing' },
      { method: 'PUT', url: '/v1/memory/mem_missing', body: { content: 'new text' } },
      { method: 'DELETE', url: '/v1/memory/mem_missing' },
      { method: 'GET', url: '/v1/feedback/fb_missing' },
    ] as const;
    for (const call of missing) {
      const answer = await s.call({ ...call, key: t.key });
      expect(answer.status, `${call.method} ${call.url}`).toBe(404);
    }
    expect(await used(t.key)).toBe(0);
    const report = (await s.call({ method: 'GET', url: '/v1/usage', key: t.key })).body;
    expect(report.by_operation_type.map((o: { interactions: number }) => o.interactions)).toEqual([0, 0, 0, 0]);
    // A call that did something still costs its price.
    const added = await s.call({ method: 'POST', url: '/v1/memory', key: t.key, body: { content: 'kept' } });
    expect(added.status).toBe(200);
    expect((await s.call({ method: 'GET', url: `/v1/memory/${added.body.data[0].memoryId}`, key: t.key })).status).toBe(200);
    expect(await used(t.key)).toBe(5);
  });

  it('a refunded 4xx keeps its place in the per-minute window: probing ids is never free of the rate limit', async () => {
    s = await startServer();
    const t = await s.tenant({ plan_tier: 'developer' });
    s.clock.set('2026-11-15T12:00:05.000Z');
    for (let i = 0; i < 10; i++) expect((await s.call({ method: 'GET', url: `/v1/memory/mem_${i}`, key: t.key })).status).toBe(404);
    const eleventh = await s.call({ method: 'GET', url: '/v1/memory/mem_10', key: t.key });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error_code).toBe('RATE_LIMITED');
    expect(await used(t.key)).toBe(0);
  });

  it('an operator may keep the charge of an operation’s 4xx (clientError: charge)', async () => {
    s = await startServer({ operations: { get_memory_v1: { clientError: 'charge' } } });
    const t = await s.tenant();
    expect((await s.call({ method: 'GET', url: '/v1/memory/mem_missing', key: t.key })).status).toBe(404);
    expect((await s.call({ method: 'DELETE', url: '/v1/memory/mem_missing', key: t.key })).status).toBe(404);
    expect(await used(t.key)).toBe(1);
  });

  it('the rule is checked in configuration', () => {
    const problems: string[] = [];
    expect(parseOperationOverrides({ get_memory_v1: { clientError: 'charge' } }, problems)).toEqual({ get_memory_v1: { clientError: 'charge' } });
    parseOperationOverrides({ get_memory_v1: { clientError: 'sometimes' } }, problems);
    expect(problems).toEqual(['operations.get_memory_v1.clientError: must be "refund" or "charge", got "sometimes"']);
  });
});
