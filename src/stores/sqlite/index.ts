/**
 * The embedded store: one SQLite file (better-sqlite3 12, WAL), created on first use; nothing else
 * needs to run.
 * Guarantees: charges are decided inside IMMEDIATE transactions, so every QuotaLedger rule holds
 * across all the processes that open the same file on one machine; a charge resolves only after
 * its group commit. With synchronous=NORMAL (default) a committed charge survives a process crash;
 * choose FULL to survive power loss too.
 * Limits: one machine (SQLite over a network file system is not safe); writes are serialized, so
 * throughput comes from grouping charges into transactions.
 */
export { createSqliteStore, openSqliteDatabase } from './sqlite-store.js';
export type { SqliteStoreConfig } from './sqlite-config.js';
