import { createHash } from 'node:crypto';
import type { ChargeResult, QuotaLedger } from '../contract/index.js';
import { GroupCommit } from '../shared/group-commit.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded, isRetryablePostgresError, translatePostgresError } from './postgres-errors.js';
import { decodeLedgerAnswer, encodeLedgerGroup, type LedgerAnswer } from './postgres-ledger-group.js';
import { encodeLedgerOutbox } from './postgres-ledger-outbox.js';
import { OUTBOX_AFTER_GROUP_PARAMETERS, TEMPLATES_NEEDED } from './postgres-outbox-sql.js';
import type { LedgerJob } from '../contract/index.js';
import { createWalFlusher } from './postgres-wal-flush.js';

export interface PostgresLedger extends QuotaLedger {
  close(): Promise<void>;
}

/** Deadlocks cannot arise between groups (see postgres-ledger-sql.ts); this covers anything else that takes row locks. */
const MAX_ATTEMPTS = 3;

/**
 * Charges, refunds and adjustments are grouped; each group is one call of apply_ledger_group, a
 * single statement run as its own transaction, so a group costs one round trip and its promises
 * resolve only after PostgreSQL has committed it durably.
 *
 * Several groups may be in flight, each on its own pooled connection. Groups of one organization
 * serialize on its counter rows, and a row lock is held until the commit; if that commit waited
 * for its WAL flush under the lock, one organization could never commit faster than the disk
 * flushes. So a group that starts while others are in flight commits without waiting for the
 * flush (synchronous_commit = off for that transaction only), and its charges resolve after a
 * shared flush that began after its commit (postgres-wal-flush.ts): the locks pass on at once,
 * many groups share one flush, and no charge is acknowledged before it is durable. A group alone
 * commits synchronously, which saves the flush's round trip.
 *
 * A group whose charges may write to the outbox (thresholds, meter events) writes it in the same
 * statement, so in the same transaction: outbox_after_group (postgres-outbox-sql.ts) wraps the call.
 */
export function createPostgresLedger(
  pool: PostgresPool,
  schema: string,
  options: { recordEvents: boolean; maxBatch: number; maxInFlight: number },
): PostgresLedger {
  const applySql = `SELECT ${schema}.apply_ledger_group($1::jsonb) AS answer`;
  // A group that may write to the outbox writes it in the same statement (postgres-outbox-sql.ts).
  const applyWithOutboxSql = `SELECT ${schema}.outbox_after_group(${schema}.apply_ledger_group($1::jsonb), ${OUTBOX_AFTER_GROUP_PARAMETERS.map((type, i) => `$${i + 2}::${type}`).join(', ')}) AS answer`;
  // Named, so that each connection parses and plans them once (names are per connection; the schema's hash keeps two stores apart).
  const tag = createHash('sha256').update(schema).digest('hex').slice(0, 16);
  const flusher = createWalFlusher(pool);
  let inFlight = 0;

  const apply = async (jobs: LedgerJob[], sync: boolean): Promise<(ChargeResult | null)[]> => {
    const group = encodeLedgerGroup(jobs, { recordEvents: options.recordEvents, sync });
    let outbox = encodeLedgerOutbox(jobs, false);
    let templates = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await (outbox === null
          ? pool.query({ name: `tg_apply_${tag}`, text: applySql, values: [group] })
          : pool.query({ name: `tg_apply_outbox_${tag}`, text: applyWithOutboxSql, values: [group, ...outbox] }));
        return decodeLedgerAnswer(jobs, rows[0]!.answer as LedgerAnswer);
      } catch (error) {
        // A charge crossed a threshold: the group rolled back; it runs again with the events' templates.
        if (!templates && (error as { code?: unknown } | null)?.code === TEMPLATES_NEEDED) {
          outbox = encodeLedgerOutbox(jobs, (templates = true));
          attempt--;
          continue;
        }
        // A rolled-back group changed nothing, so running it again is safe.
        if (attempt < MAX_ATTEMPTS && isRetryablePostgresError(error)) continue;
        throw translatePostgresError(error);
      }
    }
  };
  const runGroup = async (jobs: LedgerJob[]): Promise<(ChargeResult | null)[]> => {
    const sync = inFlight === 0;
    inFlight++;
    try {
      const results = await apply(jobs, sync);
      if (!sync) await flusher.flush();
      return results;
    } finally {
      inFlight--;
    }
  };
  const queue = new GroupCommit<LedgerJob, ChargeResult | null>(runGroup, options.maxBatch, options.maxInFlight);

  const readSql = `
    SELECT coalesce(sum(c.used), 0) AS used
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w(s, i, m, p, n)
    LEFT JOIN ${schema}.counters c ON (c.scope, c.scope_id, c.metric, c.period) = (w.s, w.i, w.m, w.p)
    GROUP BY w.n ORDER BY w.n`;

  return {
    charge: async (request) => (await queue.submit({ kind: 'charge', request }))!,
    refund: async (request) => {
      await queue.submit({ kind: 'refund', request });
    },
    recordRefusal: async (refusal) => {
      await queue.submit({ kind: 'refusal', refusal });
    },
    adjust: async (lines) => {
      if (lines.length > 0) await queue.submit({ kind: 'adjust', lines });
    },
    async readCounters(counters) {
      if (counters.length === 0) return [];
      const columns = [counters.map((c) => c.scope), counters.map((c) => c.scopeId), counters.map((c) => c.metric), counters.map((c) => c.period)];
      const { rows } = await guarded(() => pool.query(readSql, columns));
      return rows.map((row) => Number(row.used));
    },
    close: () => queue.close(),
  };
}
