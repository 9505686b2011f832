import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../contract/index.js';
import type { SqliteStoreConfig } from './sqlite-config.js';
import { createSqliteDirectory } from './sqlite-directory.js';
import { guarded } from './sqlite-errors.js';
import { createSqliteLedger } from './sqlite-ledger.js';
import { createSqliteIdempotencyCache, createSqliteLog, createSqliteSettings } from './sqlite-log.js';
import { createSqliteOutbox } from './sqlite-outbox.js';
import { createSqliteWebhooks } from './sqlite-webhooks.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { createSqliteFeedback, createSqliteMemories } from './sqlite-memories.js';
import { migrate } from './sqlite-schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function openSqliteDatabase(config: Pick<SqliteStoreConfig, 'path' | 'synchronous' | 'busyTimeoutMs'>): Database.Database {
  if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
  const db = guarded(() => new Database(config.path, { timeout: config.busyTimeoutMs ?? 5000 }));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${config.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function createSqliteStore(config: SqliteStoreConfig): Store & { readonly database: Database.Database } {
  const db = openSqliteDatabase(config);
  const events = config.events ?? { enabled: true, retentionDays: 30 };
  // 10,000 pages (40 MB): only reached if the checkpoint thread stops keeping up.
  if (config.path !== ':memory:') db.pragma('wal_autocheckpoint = 10000');
  const checkpointer = config.path === ':memory:' ? null : startCheckpointer(config.path);
  const outbox = createSqliteOutbox(db);
  const ledger = createSqliteLedger(db, { recordEvents: events.enabled, maxBatch: config.maxBatch ?? 2000, outbox });
  const directory = createSqliteDirectory(db, config.clock, config.changePollMs, outbox);

  const maintenance = () => {
    const now = config.clock.now();
    try {
      db.transaction(() => {
        db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?').run(now);
        db.prepare('DELETE FROM idempotent_responses WHERE expires_at <= ?').run(now);
        // A sliding window reads the current and the previous window; anything older is dead.
        db.prepare('DELETE FROM rate_windows WHERE window_start < ?').run(now - 10 * 60_000);
        db.prepare('DELETE FROM refunds WHERE at < ?').run(now - 2 * DAY_MS);
        // Segments whose newest event is past the retention go whole.
        const cutoff = now - events.retentionDays * DAY_MS;
        db.prepare('DELETE FROM usage_event_segment_orgs WHERE seq IN (SELECT seq FROM usage_event_segments WHERE last_at < ?)').run(cutoff);
        db.prepare('DELETE FROM usage_event_segments WHERE last_at < ?').run(cutoff);
      }).immediate();
    } catch {
      // Busy: the next round cleans up.
    }
  };
  const timer = setInterval(maintenance, config.maintenanceIntervalMs ?? 60_000);
  timer.unref();

  let closed = false;
  return {
    name: 'sqlite',
    database: db,
    capabilities: { sharedAcrossProcesses: true, sharedAcrossMachines: false, durable: true, events: events.enabled },
    ledger,
    log: createSqliteLog(db),
    directory,
    idempotency: createSqliteIdempotencyCache(db, config.clock),
    memories: createSqliteMemories(db),
    feedback: createSqliteFeedback(db),
    settings: createSqliteSettings(db),
    webhooks: createSqliteWebhooks(db),
    outbox,
    async ping() {
      guarded(() => db.prepare('SELECT 1').get());
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      directory.stop();
      await ledger.close();
      await checkpointer?.stop();
      db.close();
    },
  };
}
