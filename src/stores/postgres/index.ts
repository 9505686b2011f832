/**
 * The shared store: PostgreSQL 13 or newer (tested on 15), for several Tollgate processes or
 * servers using one database. What must run: a PostgreSQL server the configured role can create a
 * schema in; the store creates and migrates its schema (default "tollgate") at start, safely when
 * several processes start at once.
 * Guarantees: every QuotaLedger rule holds across all processes sharing the schema. A group of
 * charges is decided and applied by one PL/pgSQL call in one transaction, which locks the rows it
 * changes in one fixed order (no deadlocks); a charge resolves only after that transaction has
 * committed, so with the server's default synchronous_commit = on a granted charge survives a
 * crash of either side. Tenant changes reach every process's watchers through LISTEN/NOTIFY at
 * once, or by polling within changePollMs if a notification was missed.
 * Limits: a charge whose connection breaks while its COMMIT is in flight fails with
 * STORE_UNAVAILABLE although it may have committed (the usual ambiguity of a lost commit
 * acknowledgement); all charges of one organization serialize on that organization's counter row,
 * so one organization's throughput is bounded by groups per commit, not by the number of servers.
 * Tables are keyed by organization for distribution on Citus (docs/scaling-out.md).
 * The store's recordSink takes the records of a ledger that decides in Redis into the same tables
 * (postgres-record-sink.ts): exactly once per entry, under a per-organization advisory lock.
 */
export { createPostgresStore } from './postgres-store.js';
export type { PostgresStoreConfig } from './postgres-config.js';
