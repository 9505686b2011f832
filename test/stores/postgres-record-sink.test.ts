/**
 * The record sink applies each entry once, whoever sends it and however often: a drain that reads
 * what an earlier drain applied (a process died between commit and trimming its stream), a replay
 * of what a drain applied, a replay sent twice; and a drain never waits for an organization another
 * drain holds.
 */
import { afterAll, expect, it } from 'vitest';
import type { LedgerRecord, RecordEntry, RecordSink, Store } from '../../src/stores/contract/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';

const schema = randomSchema('tollgate_record_sink');
let n = 0;

function fixture(organizationId: string) {
  const counter = { scope: 'organization' as const, scopeId: organizationId, metric: 'active_memories' as const, period: 'lifetime', organizationId };
  const refusal = (id: string): LedgerRecord => ({
    kind: 'refusal',
    refusal: {
      id,
      atMs: 1000,
      day: '2026-11-15',
      attribution: { organizationId, namespaceId: null, apiKeyId: 'key_1', userId: null, workspaceId: null, subscriptionId: null, companyId: null, operation: 'search_v1', type: 'mini' },
      cost: 1,
      reason: 'subscription:past_due',
    },
  });
  const entry = (source: string, position: string, amount: number): RecordEntry => ({
    organizationId,
    source,
    position,
    records: [{ kind: 'adjust', organizationId, lines: [{ counter, amount }] }, refusal(`${source}/${position}`)],
  });
  const state = async (store: Store, sink: RecordSink) => ({
    used: (await sink.counters(organizationId, ['lifetime'])).map((c) => c.used),
    events: (await store.log.events({ organizationId, fromMs: 0, toMs: 2000, limit: 100 })).map((e) => e.chargeId),
  });
  return { entry, state };
}

await describeWithPostgres('postgres: the record sink', () => {
  afterAll(() => dropSchema(schema));

  it('applies an entry once, through drains and replays alike', async () => {
    const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: manualClock() });
    const sink = store.recordSink;
    const org = `org_sink_${n++}`;
    const { entry, state } = fixture(org);
    const first = [entry('e1', '100-0', 1), entry('e1', '100-1', 2)];

    expect(await sink.knows(org)).toBe(false);
    const marks = await sink.drain([org], async () => first, { wait: true });
    expect(marks.get(org)).toEqual(new Map([['e1', '100-1']]));
    expect(await sink.knows(org)).toBe(true);
    // A crash before the trim: the next drain reads them again, and one more.
    await sink.drain([org], async () => [...first, entry('e1', '101-0', 4)], { wait: false });
    expect(await state(store, sink)).toEqual({ used: [7], events: ['e1/100-0', 'e1/100-1', 'e1/101-0'] });

    // Replays: what a drain applied is skipped; a new source's entry counts once however often sent.
    await sink.replay([entry('e1', '100-1', 2), entry('e2', '5-0', 8)]);
    await sink.replay([entry('e2', '5-0', 8)]);
    expect(await state(store, sink)).toEqual({ used: [15], events: ['e1/100-0', 'e1/100-1', 'e1/101-0', 'e2/5-0'] });
    await store.close();
  });

  it('a drain without waiting skips an organization another drain holds', async () => {
    const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: manualClock() });
    const org = `org_sink_${n++}`;
    const { entry } = fixture(org);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const started = new Promise<void>((resolve) => (reading = resolve));
    const slow = store.recordSink.drain(
      [org],
      async () => {
        reading();
        await held;
        return [entry('e1', '1-0', 1)];
      },
      { wait: true },
    );
    await started;
    const skipped = await store.recordSink.drain([org], async () => [entry('e1', '1-0', 1)], { wait: false });
    expect(skipped.size).toBe(0);
    release();
    expect((await slow).get(org)).toEqual(new Map([['e1', '1-0']]));
    expect((await store.recordSink.counters(org, ['lifetime'])).map((c) => c.used)).toEqual([1]);
    await store.close();
  });
});
