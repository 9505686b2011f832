import { TollgateError } from '../../core/errors.js';
import { periodOf } from '../../core/periods.js';
import { silentLogger } from '../../core/ports.js';
import type { Attribution, ChargeRequest, InteractionLog, QuotaLedger, Store } from '../contract/index.js';
import { createParseClient, type ParseClient } from './parse-client.js';
import { PARSE_DEFAULTS, type ParseStoreConfig } from './parse-config.js';
import { createParseDirectory } from './parse-directory.js';
import { ParseRequestError } from './parse-errors.js';
import { createInteractionWriter, type InteractionWriter } from './parse-interactions.js';
import { INTERACTION_CLASS, SYNC_CLASS, interactionWhere, toInteractionRecord, tupleOf, type InteractionTuple } from './parse-mapper.js';
import { reconcileCounters } from './parse-reconcile.js';

export async function createParseStore(config: ParseStoreConfig): Promise<Store> {
  checkConfig(config);
  const o = { ...PARSE_DEFAULTS, ...definedOnly(config) };
  const logger = config.logger ?? silentLogger;
  const { base } = config;
  const client = createParseClient(config);
  await requireClasses(client);

  const directory = createParseDirectory(client, o.changePollMs, base.outbox);
  const writer = createInteractionWriter({ client, base: base.log, logger, batchSize: o.batchSize, flushIntervalMs: o.flushIntervalMs, adoptExistingRecords: o.adoptExistingRecords });
  const recentPeriods = () => {
    const current = periodOf(config.clock.now());
    return [periodOf(current.startMs - 1), current];
  };
  if (o.reconcileOnStart) {
    const report = await reconcileCounters({ client, base, directory, clock: config.clock });
    logger.info({ ...report }, 'parse store: counters reconciled from Parse');
    // What the base store recorded but no process shipped (it stopped first) goes now.
    await writer.sweep(recentPeriods());
  }
  const sweeper = setInterval(() => writer.sweep(recentPeriods()).catch((err) => logger.warn({ err }, 'parse store: sweep failed')), o.sweepIntervalMs);
  sweeper.unref();

  let closed = false;
  return {
    name: 'parse',
    // What the base store guarantees for quota is what this store guarantees; the tenants are in Parse, which any machine may share.
    capabilities: { ...base.capabilities, sharedAcrossMachines: true },
    ledger: shippingLedger(base.ledger, writer),
    log: parseLog(client, base.log, writer),
    directory,
    idempotency: base.idempotency,
    memories: base.memories,
    feedback: base.feedback,
    settings: base.settings,
    webhooks: base.webhooks,
    outbox: base.outbox,
    async ping() {
      await client.request('GET', 'health');
      await base.ping();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      directory.stop();
      try {
        await writer.close();
      } catch (err) {
        // The base store keeps the records: the next start ships them (reconcileOnStart).
        logger.warn({ err }, 'parse store: could not ship everything before closing');
      }
      if (config.closeBase !== false) await base.close();
    },
  };
}

/** The base store decides and records every charge; each record it changes is marked for shipping. */
function shippingLedger(ledger: QuotaLedger, writer: InteractionWriter): QuotaLedger {
  const tuples = new WeakMap<Attribution, InteractionTuple>();
  const mark = (request: ChargeRequest) => {
    const { month, year } = request.period;
    let tuple = tuples.get(request.attribution);
    if (!tuple || tuple.month !== month || tuple.year !== year) tuples.set(request.attribution, (tuple = tupleOf(month, year, request.attribution)));
    writer.mark(tuple);
  };
  return {
    async charge(request) {
      const result = await ledger.charge(request);
      if (result.outcome === 'granted' && !result.replayed) mark(request);
      return result;
    },
    async refund(request) {
      await ledger.refund(request);
      mark(request);
    },
    // A refusal changes no Interaction record: nothing to ship.
    recordRefusal: (refusal) => ledger.recordRefusal(refusal),
    adjust: (lines) => ledger.adjust(lines),
    readCounters: (counters) => ledger.readCounters(counters),
  };
}

/** Interaction records as Parse holds them (after shipping what this process recorded); the rest from the base. */
function parseLog(client: ParseClient, base: InteractionLog, writer: InteractionWriter): InteractionLog {
  return {
    async interactions(query) {
      await writer.flush();
      return (await client.findAll(INTERACTION_CLASS, interactionWhere(query))).map(toInteractionRecord);
    },
    rollups: (query) => base.rollups(query),
    refusals: (query) => base.refusals(query),
    events: (query) => base.events(query),
  };
}

async function requireClasses(client: ParseClient): Promise<void> {
  for (const className of [INTERACTION_CLASS, SYNC_CLASS]) {
    try {
      await client.raw('GET', `schemas/${className}`);
    } catch (error) {
      if (error instanceof ParseRequestError && error.code === 103) {
        throw new TollgateError('CONFIG_INVALID', {
          message: `Parse Server has no ${className} class: run \`tollgate parse setup --server-url … --app-id … --master-key …\` first (docs/parse.md).`,
          cause: error,
        });
      }
      await client.request('GET', `schemas/${className}`);
    }
  }
}

function checkConfig(config: ParseStoreConfig): void {
  const problems: string[] = [];
  try {
    if (!/^https?:$/.test(new URL(config.serverUrl).protocol)) problems.push('serverUrl: must be an http(s) URL');
  } catch {
    problems.push(`serverUrl: not a URL: "${config.serverUrl}"`);
  }
  if (!config.appId) problems.push('appId: required');
  if (!config.masterKey) problems.push('masterKey: required (Tollgate writes usage and reads tenants with it)');
  if (!config.base) problems.push('base: the store that decides quota (sqlite, postgres or redis) is required');
  if (config.batchSize !== undefined && !(Number.isInteger(config.batchSize) && config.batchSize >= 1 && config.batchSize <= 500)) problems.push('batchSize: 1 to 500');
  for (const field of ['flushIntervalMs', 'sweepIntervalMs', 'changePollMs', 'requestTimeoutMs'] as const) {
    const value = config[field];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) problems.push(`${field}: a positive whole number of milliseconds`);
  }
  if (problems.length > 0) throw new TollgateError('CONFIG_INVALID', { message: `Invalid parse store config: ${problems.join('; ')}`, details: { problems } });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
