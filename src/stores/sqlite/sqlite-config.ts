import type { Clock } from '../../core/ports.js';

export interface SqliteStoreConfig {
  /** The database file, created on first use (':memory:' for a private in-memory database). */
  readonly path: string;
  /**
   * NORMAL (default): a committed charge survives a crash of the process; FULL: it also survives
   * a power loss, at the price of an fsync per group commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  readonly busyTimeoutMs?: number;
  /** Most charges committed in one transaction. */
  readonly maxBatch?: number;
  readonly events?: { readonly enabled: boolean; readonly retentionDays: number };
  /** How often expired idempotency keys, old minute windows and events are removed. */
  readonly maintenanceIntervalMs?: number;
  /** How often other processes' tenant changes are looked for. */
  readonly changePollMs?: number;
  readonly clock: Clock;
}
