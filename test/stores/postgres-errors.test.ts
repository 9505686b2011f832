import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/core/errors.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { translatePostgresError } from '../../src/stores/postgres/postgres-errors.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('postgres: driver errors at the store boundary', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
  ])('%s becomes STORE_UNAVAILABLE (503, retryable) with the original as cause', (code, message) => {
    const original = pgError(code, message);
    const translated = translatePostgresError(original);
    expect(translated).toBeInstanceOf(TollgateError);
    expect(translated).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, retryable: true, details: { store: 'postgres', driver_code: code } });
    expect((translated as Error).cause).toBe(original);
  });

  it('a connection that went away without a code becomes STORE_UNAVAILABLE', () => {
    expect(translatePostgresError(new Error('Connection terminated unexpectedly'))).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('other errors (a constraint, a syntax error) are kept as they are', () => {
    for (const original of [pgError('23505'), pgError('42601'), new Error('bug')]) expect(translatePostgresError(original)).toBe(original);
  });

  it('a store that cannot connect at start fails with STORE_UNAVAILABLE', async () => {
    const opening = createPostgresStore({ connectionString: 'postgres://root@127.0.0.1:1/test', clock: manualClock() });
    await expect(opening).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});

await describeWithPostgres('postgres: a store whose server is gone', () => {
  it('answers STORE_UNAVAILABLE from ping, charge and reads', async () => {
    const schema = randomSchema('tollgate_gone');
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const store = await createPostgresStore({ pool, schema, clock: manualClock() });
    await store.ping();
    await pool.end();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.directory.getOrganization('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const counter = { scope: 'organization' as const, scopeId: 'x', metric: 'mini' as const, period: '2026-11' };
    await expect(store.ledger.readCounters([counter])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const charge = store.ledger.charge({
      id: 'c1',
      atMs: 0,
      period: { key: '2026-11', month: 11, year: 2026 },
      day: '2026-11-15',
      attribution: { organizationId: 'x', namespaceId: null, apiKeyId: 'k', userId: null, workspaceId: null, subscriptionId: null, companyId: null, operation: 'op', type: 'mini' },
      cost: 1,
      lines: [{ counter, amount: 1, limit: null }],
      rates: [],
      idempotency: null,
    });
    await expect(charge).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await store.close();
    await dropSchema(schema);
  });
});

describe('postgres: store config', () => {
  it('lists every problem in one CONFIG_INVALID error, before connecting', async () => {
    const opening = createPostgresStore({ clock: manualClock(), poolSize: 0, maxGroupsInFlight: 1.5, schema: 'ok' });
    await expect(opening).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { problems: ['give either connectionString or pool', 'poolSize: must be a whole number ≥ 1', 'maxGroupsInFlight: must be a whole number ≥ 1'] },
    });
    await expect(createPostgresStore({ connectionString: DATABASE_URL, clock: manualClock(), schema: 'Bad-Name' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
