import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { describeIfReachable, dropSchema, postgresUnavailable } from './postgres.js';

/** The Redis tests use: REDIS_URL, or the local server of this project's machines (shared: tests keep to their own key prefix). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A client for tests: fails fast instead of queueing while the server is away. */
export function testRedis(url: string = REDIS_URL): Redis {
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

/** Null when Redis answers at `url`; otherwise why not. */
export async function redisUnavailable(url: string = REDIS_URL): Promise<string | null> {
  const client = testRedis(url);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis is not reachable at ${url} (${error instanceof Error ? error.message : String(error)}); start it or set REDIS_URL`;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test uses. */
export function randomPrefix(name: string): string {
  return `tollgate-test:${name}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix (never FLUSHALL: other engineers' tests share the server). */
export async function deletePrefix(prefix: string, url: string = REDIS_URL): Promise<number> {
  const client = testRedis(url);
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** `describe` for tests that need Redis and PostgreSQL (skipped with the reason outside CI, failing under CI=true). */
export async function describeWithRedis(title: string, body: () => void): Promise<void> {
  describeIfReachable(title, (await redisUnavailable()) ?? (await postgresUnavailable()), 'Redis and PostgreSQL', body);
}

/** A redis-server of the test's own (nothing on disk), so that the test may FLUSHALL, pause or stop it. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts one on a free port, or on `port` (to restart one that was stopped: it comes back empty). */
export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'));
  port ??= await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if ((await redisUnavailable(url)) === null) break;
    if (attempt > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Inside a describe: a redis-server of its own for its tests (`server`, which a test may replace
 * after a restart), stopped after them, when the PostgreSQL schema is dropped too.
 */
export function useOwnRedis(schema: string): { server: OwnRedis } {
  const own = { server: null as unknown as OwnRedis };
  beforeAll(async () => {
    own.server = await startOwnRedis();
  });
  afterAll(async () => {
    await own.server?.stop();
    await dropSchema(schema);
  });
  return own;
}
