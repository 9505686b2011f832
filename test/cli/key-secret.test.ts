/**
 * Servers sharing a store agree on the key secret or refuse to start. Real `tollgate serve`
 * processes: on one PostgreSQL schema (each with a data directory of its own, as on separate
 * machines), and on one SQLite file whose secret file was replaced.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tollgateCli } from '../support/cli.js';
import { manualClock } from '../support/clock.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../load/support/servers.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { verifyKeySecret } from '../../src/tenancy/index.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const ADMIN_KEY = 'key-secret-test-admin-key-0123456789';
const secret = () => randomBytes(32).toString('base64url');

const dirs: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-key-secret-'));
  dirs.push(dir);
  return dir;
}

/** This machine's environment without anything that would choose the secret or the config for the child. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_ADMIN_KEY: ADMIN_KEY };
  for (const name of ['TOLLGATE_KEY_SECRET', 'TOLLGATE_SECRET_FILE', 'TOLLGATE_CONFIG', 'TOLLGATE_STORE', 'TOLLGATE_DATA', 'TOLLGATE_PG_SCHEMA']) delete env[name];
  return env;
}

async function serve(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  servers.push(server);
  return server;
}

/** `tollgate serve` that is expected to refuse: its exit code and what it printed (killed after 30 s if it serves instead). */
function serveRefused(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'serve', '--log', 'warn'], { env: { PORT: '0', HOST: '127.0.0.1', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: stdout + stderr });
    });
  });
}

const admin = async (server: ServerProcess, path: string, body: unknown) => {
  const res = await fetch(`${server.url}/admin${path}`, { method: 'POST', headers: { 'X-Admin-Key': ADMIN_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Record<string, unknown>;
};

const addMemory = (server: ServerProcess, key: string) =>
  fetch(`${server.url}/v1/memory`, { method: 'POST', headers: { 'X-API-Key': key, 'Content-Type': 'application/json' }, body: JSON.stringify({ content: 'made through one server, used through another' }) });

describe('the key secret verifier', () => {
  it('the first secret is recorded, the same one matches, another is refused naming TOLLGATE_KEY_SECRET and changing nothing', async () => {
    const store = createRamStore({ clock: manualClock() });
    const first = secret();
    expect(await verifyKeySecret(store.settings, { keySecret: first, keySecretFile: null })).toBe('recorded');
    const stored = await store.settings.get('key_secret_verifier');
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(first);
    expect(await verifyKeySecret(store.settings, { keySecret: first, keySecretFile: '/elsewhere/tollgate.secret' })).toBe('matched');
    await expect(verifyKeySecret(store.settings, { keySecret: secret(), keySecretFile: null })).rejects.toMatchObject({
      code: 'KEY_SECRET_MISMATCH',
      message: expect.stringContaining('set the same TOLLGATE_KEY_SECRET on every server'),
    });
    await expect(verifyKeySecret(store.settings, { keySecret: secret(), keySecretFile: '/srv/data/tollgate.secret' })).rejects.toMatchObject({
      code: 'KEY_SECRET_MISMATCH',
      message: expect.stringMatching(/TOLLGATE_KEY_SECRET is not set, and this process read its secret from \/srv\/data\/tollgate\.secret/),
    });
    expect(await store.settings.get('key_secret_verifier')).toBe(stored);
  });

  it('of processes opening a new store at once with different secrets, exactly one is let in', async () => {
    const store = createRamStore({ clock: manualClock() });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => verifyKeySecret(store.settings, { keySecret: secret(), keySecretFile: null })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toEqual([{ status: 'fulfilled', value: 'recorded' }]);
  });
});

describe('SQLite: a restart with another secret file', () => {
  it('is refused, naming the file and TOLLGATE_KEY_SECRET; with the first file back, the server starts and the keys work', async () => {
    const dir = dataDir();
    const env = { ...baseEnv(), TOLLGATE_DATA: join(dir, 'tollgate.db') };
    const first = await serve(env);
    const org = await admin(first, '/organizations', { name: 'Acme', plan_tier: 'starter' });
    const ns = await admin(first, `/organizations/${org.id}/namespaces`, { name: 'production' });
    const { key } = (await admin(first, `/namespaces/${ns.id}/api-keys`, { name: 'backend' })) as { key: string };
    expect(first.output()).not.toMatch(/warning/i); // a secret file beside the SQLite file is every process's on that file
    await first.stop();

    const secretFile = join(dir, 'tollgate.secret');
    const original = readFileSync(secretFile, 'utf8');
    writeFileSync(secretFile, secret() + '\n'); // e.g. lost and made anew, or the file of another machine
    const refused = await serveRefused(env);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('error KEY_SECRET_MISMATCH:');
    expect(refused.output).toContain(`this process read its secret from ${secretFile}`);
    expect(refused.output).toContain('TOLLGATE_KEY_SECRET');

    writeFileSync(secretFile, original);
    const again = await serve(env);
    expect((await addMemory(again, key)).status).toBe(200);
  });
});

await describeWithPostgres('two servers on one PostgreSQL schema', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });
  const postgresEnv = () => {
    const schema = randomSchema('tollgate_key_secret');
    schemas.push(schema);
    return { ...baseEnv(), TOLLGATE_STORE: 'postgres', DATABASE_URL, TOLLGATE_PG_SCHEMA: schema };
  };

  it('without TOLLGATE_KEY_SECRET: the first warns at start, the second (its own secret file) refuses naming TOLLGATE_KEY_SECRET; so do other commands', async () => {
    const env = postgresEnv();
    const envA = { ...env, TOLLGATE_DATA: join(dataDir(), 'tollgate.db') };
    const envB = { ...env, TOLLGATE_DATA: join(dataDir(), 'tollgate.db') };
    const a = await serve(envA);
    // stderr and stdout are separate pipes: the warning, printed first, may arrive after the serving line.
    await expect.poll(() => a.output()).toMatch(/warning: TOLLGATE_KEY_SECRET is not set, and the postgres store can be shared by servers on other machines/);
    expect(a.output()).toContain('Every server sharing this store needs the same TOLLGATE_KEY_SECRET');

    const b = await serveRefused(envB);
    expect(b.code).toBe(2);
    expect(b.output).toContain('error KEY_SECRET_MISMATCH:');
    expect(b.output).toMatch(/TOLLGATE_KEY_SECRET is not set, and this process read its secret from .*tollgate\.secret/);
    expect(b.output).toContain('Set TOLLGATE_KEY_SECRET to the secret the other servers of this store use');
    expect(b.output).not.toContain('serving on');

    const migrateB = await tollgateCli(envB)('migrate');
    expect(migrateB.code).toBe(2);
    expect(migrateB.stderr).toContain('error KEY_SECRET_MISMATCH:');
    const migrateA = await tollgateCli(envA)('migrate');
    expect(migrateA.code, migrateA.stderr).toBe(0);
    expect(migrateA.stderr).toMatch(/^warning: TOLLGATE_KEY_SECRET is not set/);
  });

  it('with the same TOLLGATE_KEY_SECRET: both start without a warning, and a key made through one is accepted by the other', async () => {
    const env = { ...postgresEnv(), TOLLGATE_KEY_SECRET: secret() };
    const a = await serve({ ...env, TOLLGATE_DATA: join(dataDir(), 'tollgate.db') });
    const b = await serve({ ...env, TOLLGATE_DATA: join(dataDir(), 'tollgate.db') });
    const org = await admin(a, '/organizations', { name: 'Acme', plan_tier: 'starter' });
    const ns = await admin(a, `/organizations/${org.id}/namespaces`, { name: 'production' });
    const { key } = (await admin(a, `/namespaces/${ns.id}/api-keys`, { name: 'backend' })) as { key: string };
    const res = await addMemory(b, key);
    expect(res.status, await res.text()).toBe(200);
    for (const server of [a, b]) expect(server.output()).not.toMatch(/warning/i);
  });

  it('with different TOLLGATE_KEY_SECRETs, started at once: one serves, the other refuses naming TOLLGATE_KEY_SECRET', async () => {
    const env = postgresEnv();
    const envs = [secret(), secret()].map((s) => ({ ...env, TOLLGATE_KEY_SECRET: s, TOLLGATE_DATA: join(dataDir(), 'tollgate.db') }));
    const outcomes = await Promise.allSettled(envs.map((e) => serve(e)));
    const started = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/server exited with 2 before serving/);
    expect(refused[0]).toContain('error KEY_SECRET_MISMATCH:');
    expect(refused[0]).toContain('set the same TOLLGATE_KEY_SECRET on every server sharing this store');
  });
});
