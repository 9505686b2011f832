import { TollgateError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';

/** What a query answers, as far as this store reads it. */
export interface PostgresQueryResult {
  readonly rows: Record<string, unknown>[];
  readonly rowCount: number | null;
}

/** A connection taken out of the pool: transactions, and LISTEN for tenant changes. */
export interface PostgresPoolClient {
  query(text: string, values?: readonly unknown[]): Promise<PostgresQueryResult>;
  release(error?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/**
 * The slice of a pg `Pool` this store calls, so nothing outside depends on pg's types and tests
 * can pass a fake. A pool handed in stays the caller's: close() does not end it.
 */
export interface PostgresPool {
  query(text: string, values?: readonly unknown[]): Promise<PostgresQueryResult>;
  /**
   * A named prepared statement (pg's query config): parsed and planned once per connection, then
   * run with a cached generic plan. For the ledger's statement, which runs on every group.
   */
  query(statement: PostgresNamedStatement): Promise<PostgresQueryResult>;
  connect(): Promise<PostgresPoolClient>;
}

export interface PostgresNamedStatement {
  /** At most 63 bytes; one text per name on a connection. */
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

export interface PostgresStoreConfig {
  /** Where to connect, e.g. postgres://user@host:5432/db; the store makes (and ends) its own pool. */
  readonly connectionString?: string;
  /**
   * Or a pool made by the caller (a pg Pool fits); give one or the other. While tenant changes are
   * watched, one of its connections is held for LISTEN.
   */
  readonly pool?: PostgresPool;
  /** Connections of the pool made from connectionString for queries (default 8); one more is kept for LISTEN. */
  readonly poolSize?: number;
  /** The schema holding every table (default "tollgate"), created on first start. */
  readonly schema?: string;
  readonly clock: Clock;
  readonly events?: { readonly enabled: boolean; readonly retentionDays: number };
  /** Most charges decided in one transaction (default 1000). */
  readonly maxBatch?: number;
  /** Groups of charges in flight at once, each on its own connection (default 4). */
  readonly maxGroupsInFlight?: number;
  /** How often expired idempotency keys, old minute windows and events are removed (default 60 s). */
  readonly maintenanceIntervalMs?: number;
  /** How often tenant changes are polled for when a LISTEN notification may have been missed (default 1 s). */
  readonly changePollMs?: number;
  /** The record sink waits at most this long for an organization another process is writing (default 5 s). */
  readonly recordLockTimeoutMs?: number;
}

/** Throws one CONFIG_INVALID error listing every problem of the config. */
export function checkPostgresStoreConfig(config: PostgresStoreConfig): void {
  const problems: string[] = [];
  if ((config.pool === undefined) === (config.connectionString === undefined)) problems.push('give either connectionString or pool');
  for (const name of ['poolSize', 'maxBatch', 'maxGroupsInFlight', 'maintenanceIntervalMs', 'changePollMs', 'recordLockTimeoutMs'] as const) {
    const value = config[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) problems.push(`${name}: must be a whole number ≥ 1`);
  }
  if (config.events && !(config.events.retentionDays > 0)) problems.push('events.retentionDays: must be more than 0');
  if (problems.length > 0) {
    throw new TollgateError('CONFIG_INVALID', { message: `The postgres store config is invalid: ${problems.join('; ')}.`, details: { problems } });
  }
}
