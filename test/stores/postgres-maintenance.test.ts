import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { createWorld } from '../support/world.js';

const schema = randomSchema('tollgate_maintenance');

await describeWithPostgres('postgres: maintenance', () => {
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  afterAll(async () => {
    await admin.end();
    await dropSchema(schema);
  });
  const count = async (table: string) => Number((await admin.query(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0].n);

  it('removes expired idempotency keys, old minute windows and events past retention, and skips rows a charge holds', async () => {
    const clock = manualClock('2026-11-15T12:00:00.000Z');
    const store = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock, maintenanceIntervalMs: 20, events: { enabled: true, retentionDays: 1 } });
    const w = await createWorld(store, { clock });
    const { context } = await w.tenant({ organization: { rateLimits: { rate_limit_per_minute: 100 } } });
    await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'old' });
    await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'held' });
    expect(await count('idempotency_keys')).toBe(2);
    expect(await count('rate_windows')).toBeGreaterThan(0);
    expect(await count('usage_events')).toBe(2);

    // Another session holds one key's row, as a charge in progress would.
    const holder = await admin.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM "${schema}".idempotency_keys WHERE key = 'held' FOR UPDATE`);
    clock.advance(2 * 24 * 60 * 60 * 1000);
    await expect.poll(() => count('idempotency_keys'), { timeout: 2000, interval: 20 }).toBe(1);
    await expect.poll(() => count('rate_windows'), { timeout: 2000, interval: 20 }).toBe(0);
    await expect.poll(() => count('usage_events'), { timeout: 2000, interval: 20 }).toBe(0);
    await holder.query('COMMIT');
    holder.release();
    await expect.poll(() => count('idempotency_keys'), { timeout: 2000, interval: 20 }).toBe(0);
    // The organization's counter is usage, never expired.
    expect(await count('counters')).toBeGreaterThan(0);
    await w.close();
  });
});
