import { TollgateError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports.js';
import type { RecordSinkStore } from '../contract/index.js';

/**
 * The slice of an ioredis client (6.x) the store calls, so nothing outside depends on ioredis's
 * types. The store defines its scripts on it (defineCommand) and calls them by name.
 */
export interface RedisClient {
  readonly status: string;
  defineCommand(name: string, definition: { lua: string }): void;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** A transaction of the given commands: each one's error or answer, or null when it was discarded. */
  multi(commands: (string | number)[][]): { exec(): Promise<[Error | null, unknown][] | null> };
  duplicate(): RedisClient;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface RedisStoreConfig {
  /**
   * Where Redis is (redis://host:port/db): the store connects with the options of
   * redis-connection.ts and disconnects on close. Or a client made by the caller, which stays the
   * caller's; give it bounded timeouts and no offline queue (the store cannot change them).
   */
  readonly redis: string | RedisClient;
  /** Put before every key, e.g. "tollgate:" (default); no braces (they would break hash tags). */
  readonly keyPrefix?: string;
  /**
   * The PostgreSQL store: its directory, log, idempotent responses, memories, feedback and settings
   * are this store's; its recordSink takes the ledger's records. Handed in, never imported.
   */
  readonly postgres: RecordSinkStore;
  /** Close the PostgreSQL store with this one (default true). */
  readonly closePostgres?: boolean;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** A Redis command that has not answered by then fails with STORE_UNAVAILABLE (default 1000 ms). */
  readonly commandTimeoutMs?: number;
  /** How often records move from the streams to PostgreSQL (default 200 ms). */
  readonly flushIntervalMs?: number;
  /**
   * After a loss, how long a rebuild waits for live processes to replay what they hold before it
   * reads PostgreSQL (default 3 × flushIntervalMs + 400 ms). It must exceed the time a process
   * needs to notice the loss (one flush interval) and replay.
   */
  readonly graceMs?: number;
  /** A charge waiting for its organization's state to be loaded fails with STORE_UNAVAILABLE after this (default graceMs + 10 s). */
  readonly loadTimeoutMs?: number;
  /** How often some process drains every announced stream, so that a dead process's records reach PostgreSQL (default 5 s). */
  readonly sweepIntervalMs?: number;
  /** Most jobs decided by one script call (default 1000). */
  readonly maxBatch?: number;
  /** Script calls in flight per organization (default 2). */
  readonly maxGroupsInFlight?: number;
  /** Records this process keeps until PostgreSQL holds them; past it, charges fail with STORE_UNAVAILABLE (default 500,000). */
  readonly maxPendingRecords?: number;
  /** The minute window's length, for the windows a rebuild restores (default 60 s, as metering.rateWindowMs). */
  readonly rateWindowMs?: number;
}

export const REDIS_DEFAULTS = Object.freeze({
  keyPrefix: 'tollgate:',
  commandTimeoutMs: 1000,
  flushIntervalMs: 200,
  sweepIntervalMs: 5000,
  maxBatch: 1000,
  maxGroupsInFlight: 2,
  maxPendingRecords: 500_000,
  rateWindowMs: 60_000,
});

export type RedisSettings = typeof REDIS_DEFAULTS & { readonly graceMs: number; readonly loadTimeoutMs: number };

/** The config with defaults filled in; throws one CONFIG_INVALID listing every problem. */
export function settingsOf(config: RedisStoreConfig): RedisSettings {
  const problems: string[] = [];
  if (typeof config.redis === 'string') {
    try {
      if (!/^rediss?:$/.test(new URL(config.redis).protocol)) problems.push('redis: a redis:// or rediss:// URL');
    } catch {
      problems.push(`redis: not a URL: "${config.redis}"`);
    }
  } else if (!config.redis || typeof config.redis.defineCommand !== 'function') problems.push('redis: a URL or an ioredis client');
  if (config.keyPrefix !== undefined && /[{}]/.test(config.keyPrefix)) problems.push('keyPrefix: no braces (they would break hash tags)');
  if (!config.postgres?.recordSink) problems.push('postgres: the PostgreSQL store (with its recordSink) is required');
  const numbers = ['commandTimeoutMs', 'flushIntervalMs', 'graceMs', 'loadTimeoutMs', 'sweepIntervalMs', 'maxBatch', 'maxGroupsInFlight', 'maxPendingRecords', 'rateWindowMs'] as const;
  for (const name of numbers) {
    const value = config[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) problems.push(`${name}: a whole number ≥ 1`);
  }
  const flushIntervalMs = config.flushIntervalMs ?? REDIS_DEFAULTS.flushIntervalMs;
  const graceMs = config.graceMs ?? 3 * flushIntervalMs + 400;
  if (graceMs <= flushIntervalMs) problems.push('graceMs: must be longer than flushIntervalMs (a process notices a loss when it next flushes)');
  if (problems.length > 0) {
    throw new TollgateError('CONFIG_INVALID', { message: `The redis store config is invalid: ${problems.join('; ')}.`, details: { problems } });
  }
  const defined = Object.fromEntries(Object.entries(config).filter(([name, value]) => value !== undefined && name in REDIS_DEFAULTS));
  return Object.freeze({ ...REDIS_DEFAULTS, ...defined, graceMs, loadTimeoutMs: config.loadTimeoutMs ?? graceMs + 10_000 });
}
