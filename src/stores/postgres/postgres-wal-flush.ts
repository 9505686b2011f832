import type { PostgresPool } from './postgres-config.js';
import { translatePostgresError } from './postgres-errors.js';

/**
 * Waits until everything committed so far is on disk. A transaction that takes an xid and commits
 * with synchronous_commit = on (the session default) flushes the WAL up to its commit record, and
 * so every commit before it. A flush already running when a caller asks may have begun before the
 * caller's commit, so the caller waits for the next one; everyone who asks meanwhile shares it.
 */
export function createWalFlusher(pool: PostgresPool): { flush(): Promise<void> } {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = pool
      .query('SELECT pg_current_xact_id()')
      .then(
        () => undefined,
        (error: unknown) => {
          // The commits it covers may or may not be durable: their callers cannot be told yes.
          throw translatePostgresError(error);
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  return {
    flush() {
      if (!running) return start();
      queued ??= running
        .catch(() => {})
        .then(() => {
          queued = null;
          return start();
        });
      return queued;
    },
  };
}
