import { silentLogger } from '../../core/ports.js';
import type { InteractionLog, Store } from '../contract/index.js';
import { settingsOf, type RedisClient, type RedisStoreConfig } from './redis-config.js';
import { connectRedis } from './redis-connection.js';
import { guardedRedis } from './redis-errors.js';
import { createRedisFlusher, type RedisFlusher } from './redis-flusher.js';
import { createRedisKeys } from './redis-keys.js';
import { createRedisLedger } from './redis-ledger.js';
import { createRedisLoader } from './redis-loader.js';
import { PendingEntries } from './redis-pending.js';
import { defineScripts } from './redis-scripts.js';
import { createStreamRegistry } from './redis-streams.js';

export async function createRedisStore(config: RedisStoreConfig): Promise<Store> {
  const settings = settingsOf(config);
  const logger = config.logger ?? silentLogger;
  const postgres = config.postgres;
  const owned = typeof config.redis === 'string';
  const main = typeof config.redis === 'string' ? await connectRedis(config.redis, settings.commandTimeoutMs) : config.redis;
  // Drains, loads and sweeps go on a connection of their own, so that a large read never holds up charges.
  let background: RedisClient;
  try {
    background = main.duplicate();
    background.on('error', () => {});
    if (background.status === 'wait') await guardedRedis(() => background.connect());
    await guardedRedis(() => background.call('PING'));
  } catch (error) {
    if (owned) main.disconnect();
    throw error;
  }

  const keys = createRedisKeys(settings.keyPrefix);
  const runMain = defineScripts(main);
  const runBackground = defineScripts(background);
  const pending = new PendingEntries(settings.maxPendingRecords);
  const sink = postgres.recordSink;
  const flusher = createRedisFlusher({ client: background, keys, sink, pending, logger });
  const registry = createStreamRegistry({ client: background, run: runMain, keys, flusher, sweepIntervalMs: settings.sweepIntervalMs });
  const loader = createRedisLoader({ client: background, run: runBackground, keys, sink, flusher, clock: config.clock, settings, logger });
  const ledger = createRedisLedger({ run: runMain, keys, loader, pending, registry, directory: postgres.directory, settings });

  const every = (ms: number, work: () => Promise<void>, what: string) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      work()
        .catch((err: unknown) => logger.warn({ err }, `redis store: ${what} failed; it runs again in ${ms} ms`))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [every(settings.flushIntervalMs, () => flusher.flush(), 'moving records to PostgreSQL'), every(settings.sweepIntervalMs, () => registry.sweep(), 'sweeping streams')];

  let closed = false;
  return {
    name: 'redis',
    // Durable in the contract's sense: a granted charge is in Redis's stream and in this process's
    // memory, so it survives this process dying (index.ts gives the whole argument and its limits).
    capabilities: { sharedAcrossProcesses: true, sharedAcrossMachines: true, durable: true, events: postgres.capabilities.events },
    ledger,
    log: readYourWritesLog(postgres.log, flusher),
    directory: postgres.directory,
    idempotency: postgres.idempotency,
    memories: postgres.memories,
    feedback: postgres.feedback,
    settings: postgres.settings,
    webhooks: postgres.webhooks,
    // A charge's outbox entries reach PostgreSQL with its records: a listing waits for them as the log does.
    outbox: { ...postgres.outbox, list: readYourWrites(postgres.outbox.list, flusher) },
    async ping() {
      await guardedRedis(() => main.call('PING'));
      await postgres.ping();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await ledger.close();
      try {
        await flusher.flushNow();
      } catch (err) {
        // They stay in Redis's streams: a live process's sweep moves them.
        logger.warn({ err, records: pending.size }, 'redis store: could not move every record to PostgreSQL before closing');
      }
      await background.quit().catch(() => background.disconnect());
      if (owned) await main.quit().catch(() => main.disconnect());
      if (config.closePostgres !== false) await postgres.close();
    },
  };
}

/** A PostgreSQL read, run after this process's records (and the organization's stream) reached it. */
function readYourWrites<Q extends { readonly organizationId?: string }, R>(read: (query: Q) => Promise<R>, flusher: RedisFlusher) {
  return async (query: Q): Promise<R> => {
    await flusher.flushNow(query.organizationId === undefined ? undefined : [query.organizationId]);
    return read(query);
  };
}

/** The PostgreSQL log, read after this process's records reached it. */
function readYourWritesLog(log: InteractionLog, flusher: RedisFlusher): InteractionLog {
  const after = <Q extends { readonly organizationId?: string }, R>(read: (query: Q) => Promise<R>) => readYourWrites(read, flusher);
  return { interactions: after(log.interactions), rollups: after(log.rollups), refusals: after(log.refusals), events: after(log.events) };
}
