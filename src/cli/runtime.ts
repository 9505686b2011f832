import type { Config } from '../core/config.js';
import { createCatalogue } from '../core/catalogue.js';
import { TollgateError } from '../core/errors.js';
import type { Clock, Logger } from '../core/ports.js';
import { silentLogger } from '../core/ports.js';
import { createMeter, type Meter } from '../metering/index.js';
import { systemClock } from '../metering/system-clock.js';
import type { Store } from '../stores/contract/index.js';
import { createParseStore } from '../stores/parse/index.js';
import { createPostgresStore } from '../stores/postgres/index.js';
import { createRamStore } from '../stores/ram/index.js';
import { createRedisStore } from '../stores/redis/index.js';
import { createSqliteStore } from '../stores/sqlite/index.js';
import { createTenancy, sharedStoreSecretWarning, verifyKeySecret, type Tenancy } from '../tenancy/index.js';

/** Everything a command or the server needs, built from one validated config and closed together. */
export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly meter: Meter;
  readonly tenancy: Tenancy;
  /** What the operator should read at start (the command prints them). */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export async function openStore(config: Config, clock: Clock, logger: Logger = silentLogger): Promise<Store> {
  const events = config.metering.events;
  switch (config.store.kind) {
    case 'sqlite':
      return createSqliteStore({ path: config.store.sqlitePath, clock, events });
    case 'ram':
      return createRamStore({ clock, events: events.enabled });
    case 'postgres':
      return createPostgresStore({ connectionString: config.store.databaseUrl!, schema: config.store.postgresSchema, clock, events });
    case 'redis': {
      // Redis decides; PostgreSQL keeps the tenants and the durable records (composition).
      const postgres = await createPostgresStore({ connectionString: config.store.databaseUrl!, schema: config.store.postgresSchema, clock, events });
      try {
        return await createRedisStore({
          redis: config.store.redisUrl!,
          keyPrefix: config.store.redisKeyPrefix,
          postgres,
          clock,
          logger,
          rateWindowMs: config.metering.rateWindowMs,
        });
      } catch (error) {
        await postgres.close();
        throw error;
      }
    }
    case 'parse': {
      const parse = config.store.parse!;
      const base = await openStore({ ...config, store: { ...config.store, kind: parse.base } }, clock, logger);
      return createParseStore({ serverUrl: parse.serverUrl, appId: parse.appId, masterKey: parse.masterKey, base, clock, logger });
    }
    default:
      throw new TollgateError('CONFIG_INVALID', { message: `The ${config.store.kind} store is not available in this build.` });
  }
}

export async function openRuntime(config: Config, options: { logger?: Logger; clock?: Clock } = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const store = await openStore(config, clock, logger);
  try {
    // Before anything hashes a key: a process whose secret differs from the store's refuses here.
    await verifyKeySecret(store.settings, config);
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const warning = sharedStoreSecretWarning(store.capabilities, store.name, config);
  const catalogue = createCatalogue(config.operations);
  const meter = createMeter({ store, plans: config.plans, catalogue, keySecret: config.keySecret, clock, logger, metering: config.metering });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock });
  return {
    config,
    clock,
    logger,
    store,
    meter,
    tenancy,
    warnings: warning === null ? [] : [warning],
    async close() {
      await meter.close();
      await store.close();
    },
  };
}
