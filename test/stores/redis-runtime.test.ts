/**
 * TOLLGATE_STORE=redis: the runtime opens the PostgreSQL store (DATABASE_URL) and the Redis store
 * over it (REDIS_URL, TOLLGATE_REDIS_PREFIX); the CLI then reads the usage from PostgreSQL. It
 * works in a database of its own (the runtime uses the default schema name) and its own prefix.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { tollgateCli } from '../support/cli.js';
import { DATABASE_URL } from '../support/postgres.js';
import { REDIS_URL, deletePrefix, describeWithRedis, randomPrefix } from '../support/redis.js';

const database = `tollgate_redis_runtime_${randomBytes(4).toString('hex')}`;
const url = new URL(DATABASE_URL);
url.pathname = `/${database}`;
const keyPrefix = randomPrefix('runtime');
const env = {
  ...process.env,
  TOLLGATE_STORE: 'redis',
  DATABASE_URL: url.toString(),
  REDIS_URL,
  TOLLGATE_REDIS_PREFIX: keyPrefix,
  TOLLGATE_KEY_SECRET: randomBytes(32).toString('hex'),
  TOLLGATE_CONFIG: '',
};

const admin = async (sql: string) => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(sql).finally(() => client.end());
};

await describeWithRedis('TOLLGATE_STORE=redis', () => {
  beforeAll(() => admin(`CREATE DATABASE ${database}`));
  afterAll(async () => {
    await deletePrefix(keyPrefix);
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('charges on Redis, and the usage the CLI reads from PostgreSQL adds up', async () => {
    const runtime = await openRuntime(loadConfig({ env }));
    expect(runtime.store.name).toBe('redis');
    const org = await runtime.tenancy.createOrganization({ name: 'Initech', planTier: 'starter' });
    const ns = await runtime.tenancy.createNamespace(org.id, { name: 'production' });
    const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'backend' });
    const auth = await runtime.meter.authenticate(issued.key);
    if (!auth.ok) throw auth.error;
    for (const op of ['add_memory_v1', 'search_v1', 'get_sync_tiers']) expect((await runtime.meter.charge(auth.value, op)).allowed).toBe(true);
    await runtime.close();

    const usage = await tollgateCli(env)('usage', '--org', org.id, '--by', 'operation_type');
    expect(usage.code).toBe(0);
    expect(usage.stdout).toMatch(/mini: 8 of 50,000/);
    expect(usage.stdout).toMatch(/add_memory_v1\s+4\s+1\s+0/);
  });
});
