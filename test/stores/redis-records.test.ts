/**
 * A Redis stream may hold entries written before a charge had several minute windows (one rule or
 * -1 per request, replay tokens without the window's limit) when a process of this version drains
 * it: they read as a charge with that one window, or none.
 */
import { describe, expect, it } from 'vitest';
import { recordsOf } from '../../src/stores/redis/redis-records.js';

const attribution = ['org_1', 'ns_1', 'key_1', null, null, null, null, 'get_memory_v1', 'mini'];
const counters = [['organization', 'org_1', 'mini', '2026-11']];
const contexts = [['2026-11', 11, 2026, '2026-11-15']];
const lines = [[0, 1, null]];
const describeGroup = (rates: unknown[], jobs: unknown[]) => JSON.stringify([[attribution], counters, contexts, rates, lines, jobs]);
const charge = (id: string, rates: unknown, idem: unknown = 0) => ['c', id, 1000, 0, 0, 1, 0, rates, idem];

describe('redis stream entries', () => {
  it('written before several windows: one rule or -1, and a replay token without the limit', () => {
    const description = describeGroup([['key_1', 10, 60_000]], [charge('a', 0, ['k', 'fp', 5000]), charge('b', -1)]);
    const [withRule, without] = recordsOf('org_1', description, 'g:1:9:60000 g');
    expect(withRule).toMatchObject({ kind: 'granted', request: { rates: [{ key: 'key_1', limit: 10, windowMs: 60_000 }] }, result: { rate: { limit: 10, remaining: 9, resetAtMs: 60_000 } } });
    expect(without).toMatchObject({ kind: 'granted', request: { rates: [] }, result: null });
  });

  it('written now: a list of rules, and the token names the limit of the window it reports', () => {
    const description = describeGroup(
      [
        ['org_1', 10, 60_000],
        ['ns_1', 3, 60_000],
      ],
      [charge('a', [0, 1], ['k', 'fp', 5000]), charge('b', [], ['j', 'fp', 5000]), charge('c', [0, 1])],
    );
    const [both, none, refused] = recordsOf('org_1', description, 'g:1:2:60000:3 g:1::: r-1');
    expect(both).toMatchObject({ request: { rates: [{ key: 'org_1' }, { key: 'ns_1' }] }, result: { rate: { limit: 3, remaining: 2, resetAtMs: 60_000 } } });
    expect(none).toMatchObject({ request: { rates: [] }, result: { rate: null } });
    expect(refused).toMatchObject({ kind: 'refused', refusedBy: 'rate', request: { rates: [{ key: 'org_1' }, { key: 'ns_1' }] } });
  });
});
