import type { Clock } from '../../core/ports.js';
import type { PostgresPool } from './postgres-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const BATCH = 10_000;
const MAX_BATCHES = 100;

/**
 * Removes what no rule reads any more: expired idempotency keys and responses, minute windows
 * older than an hour (a charge reads its window and the one before), refund markers older than
 * two days, entries replayed into the record sink more than two days ago, usage events past their
 * retention. Every process runs it; the work is idempotent.
 * Rows are taken with FOR UPDATE SKIP LOCKED, so maintenance never waits on a charge's row lock
 * and can never be part of a deadlock.
 */
export function createPostgresMaintenance(
  pool: PostgresPool,
  schema: string,
  options: { clock: Clock; eventRetentionDays: number; intervalMs: number },
): { stop(): void } {
  const expire = (table: string, key: string, condition: string) =>
    `DELETE FROM ${schema}.${table} AS t USING (
       SELECT ${key} FROM ${schema}.${table} WHERE ${condition} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED) AS d
     WHERE (${key.split(', ').map((c) => `t.${c}`).join(', ')}) = (${key.split(', ').map((c) => `d.${c}`).join(', ')})`;
  const statements = [
    expire('idempotency_keys', 'organization_id, api_key_id, key', 'expires_at <= $1'),
    expire('idempotent_responses', 'scope, key', 'expires_at <= $1'),
    expire('rate_windows', 'organization_id, key, window_start', `window_start < $1::bigint - ${HOUR_MS}`),
    expire('refunds', 'organization_id, charge_id', `at < $1::bigint - ${2 * DAY_MS}`),
    expire('record_replays', 'organization_id, source, position_ms, position_seq', `applied_at < $1::bigint - ${2 * DAY_MS}`),
    // The BRIN index on at finds the old events.
    expire('usage_events', 'organization_id, at, seq', `at < $1::bigint - ${options.eventRetentionDays * DAY_MS}`),
  ];
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    const now = options.clock.now();
    for (const sql of statements) {
      try {
        // Batch after batch, so that a backlog (or a first run) clears without one huge transaction.
        for (let batch = 0; batch < MAX_BATCHES && (await pool.query(sql, [now])).rowCount === BATCH; batch++);
      } catch {
        // The server is away or busy: the next round cleans up.
      }
    }
    running = false;
  };
  const timer = setInterval(() => void run(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
