import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParseDevServer, type ParseDevServer } from '../../parse/start-dev-server.js';
import type { Clock } from '../../src/core/ports.js';
import type { Store } from '../../src/stores/contract/index.js';
import { createParseClient } from '../../src/stores/parse/parse-client.js';
import { createParseStore } from '../../src/stores/parse/index.js';
import { setupParseSchema } from '../../src/stores/parse/parse-schema.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { DATABASE_URL, dropSchema, postgresUnavailable, randomSchema } from '../support/postgres.js';
import { REDIS_URL, deletePrefix, randomPrefix, redisUnavailable } from '../support/redis.js';
import { TEST_KEY_SECRET } from '../support/world.js';

/** One store implementation under the conformance suite. */
export interface StoreHarness {
  readonly name: string;
  /** Null when the backend can be used here; otherwise why not (the suite prints it, and fails under CI). */
  unavailable(): Promise<string | null>;
  /** A fresh store on the given clock. Each test makes its own organizations, so stores may be shared state. */
  create(clock: Clock): Promise<Store>;
  /** Removes what create() left behind (files, schemas). */
  cleanup(): Promise<void>;
}

function ramHarness(): StoreHarness {
  return { name: 'ram', unavailable: async () => null, create: async (clock) => createRamStore({ clock }), cleanup: async () => {} };
}

function sqliteHarness(): StoreHarness {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-conformance-'));
  let n = 0;
  return {
    name: 'sqlite',
    unavailable: async () => null,
    create: async (clock) => createSqliteStore({ path: join(dir, `store-${n++}.db`), clock }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Each harness works in its own schema of the DATABASE_URL database, dropped by cleanup(). */
function postgresHarness(): StoreHarness {
  const schema = randomSchema('tollgate_conformance');
  return {
    name: 'postgres',
    unavailable: () => postgresUnavailable(),
    create: async (clock) => createPostgresStore({ connectionString: DATABASE_URL, schema, clock }),
    cleanup: () => dropSchema(schema),
  };
}

/**
 * Redis under its own key prefix (the server is shared with other tests: cleanup deletes exactly
 * those keys), over PostgreSQL in its own schema for the directory and the records.
 */
function redisHarness(): StoreHarness {
  const schema = randomSchema('tollgate_conformance_redis');
  const keyPrefix = randomPrefix('conformance');
  return {
    name: 'redis',
    unavailable: async () => (await redisUnavailable()) ?? (await postgresUnavailable()),
    create: async (clock) =>
      createRedisStore({ redis: REDIS_URL, keyPrefix, postgres: await createPostgresStore({ connectionString: DATABASE_URL, schema, clock }), clock }),
    async cleanup() {
      await deletePrefix(keyPrefix);
      await dropSchema(schema);
    },
  };
}

/** A real Parse Server 9.10 on its own PostgreSQL database; quota in an in-process base store. */
function parseHarness(): StoreHarness {
  let server: ParseDevServer | null = null;
  return {
    name: 'parse',
    async unavailable() {
      const reason = await postgresUnavailable();
      if (reason) return reason;
      server = await startParseDevServer({ keySecret: TEST_KEY_SECRET });
      await setupParseSchema(createParseClient(server));
      return null;
    },
    create: (clock) => createParseStore({ ...server!, base: createRamStore({ clock }), clock, reconcileOnStart: false }),
    cleanup: async () => server?.stop(),
  };
}

const ALL: Record<string, () => StoreHarness> = { ram: ramHarness, sqlite: sqliteHarness, postgres: postgresHarness, redis: redisHarness, parse: parseHarness };

/** The harnesses to run: all, or those named in STORES (e.g. STORES=sqlite,redis). */
export function selectedHarnesses(env: NodeJS.ProcessEnv = process.env): StoreHarness[] {
  const wanted = env.STORES ? env.STORES.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(ALL);
  for (const name of wanted) if (!ALL[name]) throw new Error(`STORES names an unknown store "${name}" (known: ${Object.keys(ALL).join(', ')})`);
  return wanted.map((name) => ALL[name]!());
}
