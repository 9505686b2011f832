import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { systemClock } from '../../src/metering/index.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { multiServerScenario } from './support/multi-server-scenario.js';

const schema = randomSchema('tollgate_load');

await describeWithPostgres('four server processes on PostgreSQL', () =>
  multiServerScenario({
    label: 'PostgreSQL',
    openStore: () => createPostgresStore({ connectionString: DATABASE_URL, schema, clock: systemClock }),
    serverEnv: { TOLLGATE_STORE: 'postgres', DATABASE_URL, TOLLGATE_PG_SCHEMA: schema },
    cleanup: () => dropSchema(schema),
  }),
);
