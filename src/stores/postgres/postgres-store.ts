import pg from 'pg';
import type { RecordSinkStore } from '../contract/index.js';
import { checkPostgresStoreConfig, type PostgresPool, type PostgresStoreConfig } from './postgres-config.js';
import { createPostgresDirectory } from './postgres-directory.js';
import { guarded, translatePostgresError } from './postgres-errors.js';
import { createPostgresLedger } from './postgres-ledger.js';
import { createPostgresIdempotencyCache, createPostgresLog, createPostgresSettings } from './postgres-log.js';
import { createPostgresMaintenance } from './postgres-maintenance.js';
import { createPostgresOutbox } from './postgres-outbox.js';
import { createPostgresWebhooks } from './postgres-webhooks.js';
import { createPostgresFeedback, createPostgresMemories } from './postgres-memories.js';
import { createPostgresRecordSink } from './postgres-record-sink.js';
import { migrate, quoteSchema } from './postgres-schema.js';

export async function createPostgresStore(config: PostgresStoreConfig): Promise<RecordSinkStore> {
  checkPostgresStoreConfig(config);
  const schemaName = config.schema ?? 'tollgate';
  const schema = quoteSchema(schemaName);
  const owned = config.connectionString === undefined ? null : createPool(config.connectionString, config.poolSize ?? 8);
  const pool: PostgresPool = config.pool ?? owned!;
  let lastSeq: number;
  try {
    await migrate(pool, schemaName);
    lastSeq = Number((await pool.query(`SELECT coalesce(max(seq), 0) AS seq FROM ${schema}.tenant_changes`)).rows[0]!.seq);
  } catch (error) {
    await owned?.end();
    throw translatePostgresError(error);
  }

  const events = config.events ?? { enabled: true, retentionDays: 30 };
  const ledger = createPostgresLedger(pool, schema, {
    recordEvents: events.enabled,
    maxBatch: config.maxBatch ?? 1000,
    maxInFlight: config.maxGroupsInFlight ?? 4,
  });
  const directory = createPostgresDirectory(pool, { schema, schemaName, clock: config.clock, pollMs: config.changePollMs ?? 1000, lastSeq });
  const maintenance = createPostgresMaintenance(pool, schema, {
    clock: config.clock,
    eventRetentionDays: events.retentionDays,
    intervalMs: config.maintenanceIntervalMs ?? 60_000,
  });

  let closed = false;
  return {
    name: 'postgres',
    capabilities: { sharedAcrossProcesses: true, sharedAcrossMachines: true, durable: true, events: events.enabled },
    ledger,
    log: createPostgresLog(pool, schema),
    directory,
    idempotency: createPostgresIdempotencyCache(pool, schema, config.clock),
    settings: createPostgresSettings(pool, schema),
    webhooks: createPostgresWebhooks(pool, schema),
    outbox: createPostgresOutbox(pool, schema),
    memories: createPostgresMemories(pool, schema),
    feedback: createPostgresFeedback(pool, schema),
    recordSink: createPostgresRecordSink(pool, schema, { clock: config.clock, recordEvents: events.enabled, lockTimeoutMs: config.recordLockTimeoutMs ?? 5000 }),
    async ping() {
      await guarded(() => pool.query('SELECT 1'));
    },
    async close() {
      if (closed) return;
      closed = true;
      maintenance.stop();
      await ledger.close();
      await directory.stop();
      await owned?.end();
    },
  };
}

function createPool(connectionString: string, poolSize: number): pg.Pool {
  // One connection more than the queries use: the directory holds it for LISTEN while watched.
  const pool = new pg.Pool({ connectionString, max: poolSize + 1 });
  // An idle connection that breaks (server restart) is reported here; without a listener Node
  // would crash. The next query reconnects, or fails with STORE_UNAVAILABLE.
  pool.on('error', () => {});
  return pool;
}
