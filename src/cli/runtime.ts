import type { Config } from '../core/config.js';
import {
  buildCatalogueVersions,
  catalogueAdditionOf,
  catalogueAdditionSettingName,
  catalogueRecordDifferences,
  parseCatalogueAddition,
  catalogueRecordOf,
  catalogueSettingName,
  checkCatalogueRecords,
  createCatalogueSchedule,
  operationsMissingFrom,
  parseCatalogueRecord,
  recordWithAdditions,
  catalogueRecordText,
  type CatalogueSchedule,
  type CatalogueVersion,
} from '../core/catalogue-versions.js';
import { configInvalid } from '../core/plans.js';
import { TollgateError } from '../core/errors.js';
import type { Clock, Logger } from '../core/ports.js';
import { silentLogger } from '../core/ports.js';
import { createMeter, type Meter } from '../metering/index.js';
import { systemClock } from '../metering/system-clock.js';
import type { Settings, Store } from '../stores/contract/index.js';
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
  /** The catalogue's versions, each recorded in the store, and the one in force at any instant. */
  readonly catalogue: CatalogueSchedule;
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
  let versions: readonly CatalogueVersion[];
  try {
    // Before anything hashes a key: a process whose secret differs from the store's refuses here.
    await verifyKeySecret(store.settings, config);
    // Before anything is priced: a config that would change a price already charged refuses here.
    versions = await recordCatalogueVersions(store.settings, buildCatalogueVersions(config.catalogue.versions), clock.now());
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  const warning = sharedStoreSecretWarning(store.capabilities, store.name, config);
  const catalogue = createCatalogueSchedule(versions);
  const meter = createMeter({ store, plans: config.plans, catalogue, keySecret: config.keySecret, clock, logger, metering: config.metering });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock });
  return {
    config,
    clock,
    logger,
    store,
    meter,
    catalogue,
    tenancy,
    warnings: warning === null ? [] : [warning],
    async close() {
      await meter.close();
      await store.close();
    },
  };
}

/**
 * Records every version of the config the store has not seen (settings `catalogue:v<N>`, first writer
 * wins), after checking the config against those it has (checkCatalogueRecords): throws CONFIG_INVALID
 * naming each version and what differs, having recorded nothing. Operations this config adds to a
 * recorded version are recorded beside it (catalogueAdditionSettingName): allowed, never a difference.
 */
export async function recordCatalogueVersions(settings: Settings, versions: readonly CatalogueVersion[], nowMs: number): Promise<readonly CatalogueVersion[]> {
  const read = (version: number) => settings.get(catalogueSettingName(version));
  const [texts, next] = await Promise.all([Promise.all(versions.map((v) => read(v.version))), read(versions.at(-1)!.version + 1)]);
  // Each recorded version as the store has it (its record and the additions kept beside it), plus
  // the operations this config adds to it (recorded below, once nothing else differs).
  const toAdd: { v: CatalogueVersion; operation: string }[] = [];
  const recorded = await Promise.all(
    versions.map(async (v, i) => {
      const record = texts[i] === null ? null : parseCatalogueRecord(texts[i]!);
      if (record === null) return texts[i] ?? null;
      const kept = recordWithAdditions(record, Object.fromEntries((await readAdditions(settings, v.version)).map((a) => [a.operation, a.spec])));
      const missing = operationsMissingFrom(v, kept);
      toAdd.push(...missing.map((operation) => ({ v, operation })));
      return catalogueRecordText(recordWithAdditions(kept, Object.fromEntries(missing.map((operation) => [operation, v.operations[operation]]))));
    }),
  );
  const { problems, toRecord } = checkCatalogueRecords(versions, recorded, next, nowMs);
  if (problems.length === 0) {
    for (const { v, operation } of toAdd) problems.push(...(await addOperation(settings, v, operation)));
    for (const v of toRecord) {
      if (await settings.putIfAbsent(catalogueSettingName(v.version), catalogueRecordOf(v, nowMs))) continue;
      // Another process recorded this version first: it must be the same.
      const theirs = await read(v.version);
      problems.push(...catalogueRecordDifferences(v, theirs === null ? null : parseCatalogueRecord(theirs)));
    }
  }
  if (problems.length > 0) throw configInvalid('catalogue', problems);
  return versions;
}

/** The additions kept beside version N's record, in the order they were added. */
async function readAdditions(settings: Settings, version: number): Promise<{ operation: string; spec: unknown }[]> {
  const additions: { operation: string; spec: unknown }[] = [];
  for (let n = 1; ; n++) {
    const text = await settings.get(catalogueAdditionSettingName(version, n));
    if (text === null) return additions;
    const addition = parseCatalogueAddition(text);
    if (addition) additions.push(addition);
  }
}

/** Keeps an operation added to a recorded version at the chain's next free number; a problem when another process added it at another price. */
async function addOperation(settings: Settings, v: CatalogueVersion, operation: string): Promise<string[]> {
  const mine = catalogueAdditionOf(v, operation);
  for (let n = 1; ; n++) {
    const name = catalogueAdditionSettingName(v.version, n);
    if (await settings.putIfAbsent(name, mine)) return [];
    const theirs = await settings.get(name);
    if (theirs === mine) return [];
    if (parseCatalogueAddition(theirs ?? '')?.operation === operation) {
      return [`catalogue version ${v.version}: operation ${operation} was added by another process as ${theirs}, here as ${mine}`];
    }
  }
}
