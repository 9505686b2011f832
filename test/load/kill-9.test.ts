/**
 * kill -9 of a server under load (hardening issue), on the embedded SQLite file (one process,
 * killed and restarted on the same file) and on PostgreSQL (two processes on one fresh schema: one
 * is killed while the other keeps serving, then restarted). The scenario is in
 * support/kill-9-scenario.ts. Its second case (a kill during adds) fails today on both stores: see
 * expectStandingCountersMatchMemories in support/kill-9-checks.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { systemClock } from '../../src/metering/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { kill9Scenario } from './support/kill-9-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-kill-9-'));
const file = join(dir, 'tollgate.db');
const schema = randomSchema('tollgate_kill9');
// Here, not in the SQLite case's cleanup: removed whichever cases a filter runs.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kill -9 of the server on SQLite', () =>
  kill9Scenario({
    label: 'SQLite',
    servers: 1,
    serverEnv: { TOLLGATE_STORE: 'sqlite', TOLLGATE_DATA: file },
    openStore: async () => createSqliteStore({ path: file, clock: systemClock }),
  }),
);

await describeWithPostgres('kill -9 of one of two servers on PostgreSQL', () =>
  kill9Scenario({
    label: 'PostgreSQL',
    servers: 2,
    serverEnv: { TOLLGATE_STORE: 'postgres', DATABASE_URL, TOLLGATE_PG_SCHEMA: schema },
    openStore: () => createPostgresStore({ connectionString: DATABASE_URL, schema, clock: systemClock }),
    cleanup: () => dropSchema(schema),
  }),
);
