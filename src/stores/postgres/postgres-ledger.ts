import type { ChargeResult, QuotaLedger } from '../contract.js';
import { GroupCommit } from '../shared/group-commit.js';
import type { PostgresPool } from './postgres-config.js';
import { guarded, isRetryablePostgresError, translatePostgresError } from './postgres-errors.js';
import { encodeLedgerGroup, type LedgerJob } from './postgres-ledger-group.js';

export interface PostgresLedger extends QuotaLedger {
  close(): Promise<void>;
}

/** Deadlocks cannot arise between groups (see postgres-ledger-sql.ts); this covers anything else that takes row locks. */
const MAX_ATTEMPTS = 3;

/**
 * Charges, refunds and adjustments are grouped; each group is one call of apply_ledger_group, a
 * single statement run as its own transaction, so a group costs one round trip and its promises
 * resolve only after PostgreSQL has committed it. Several groups may be in flight, each on its
 * own pooled connection.
 */
export function createPostgresLedger(
  pool: PostgresPool,
  schema: string,
  options: { recordEvents: boolean; maxBatch: number; maxInFlight: number },
): PostgresLedger {
  const applySql = `SELECT ${schema}.apply_ledger_group($1::jsonb) AS results`;
  const runGroup = async (jobs: LedgerJob[]): Promise<(ChargeResult | null)[]> => {
    const group = encodeLedgerGroup(jobs, options.recordEvents);
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await pool.query(applySql, [group]);
        return rows[0]!.results as (ChargeResult | null)[];
      } catch (error) {
        // A rolled-back group changed nothing, so running it again is safe.
        if (attempt < MAX_ATTEMPTS && isRetryablePostgresError(error)) continue;
        throw translatePostgresError(error);
      }
    }
  };
  const queue = new GroupCommit<LedgerJob, ChargeResult | null>(runGroup, options.maxBatch, options.maxInFlight);

  const readSql = `
    SELECT w.n, coalesce(sum(c.used), 0) AS used
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (s text, i text, m text, p text)) WITH ORDINALITY AS w(s, i, m, p, n)
    LEFT JOIN ${schema}.counters c ON (c.scope, c.scope_id, c.metric, c.period) = (w.s, w.i, w.m, w.p)
    GROUP BY w.n ORDER BY w.n`;

  return {
    charge: async (request) => (await queue.submit({ kind: 'charge', request }))!,
    refund: async (request) => {
      await queue.submit({ kind: 'refund', request });
    },
    adjust: async (lines) => {
      if (lines.length > 0) await queue.submit({ kind: 'adjust', lines });
    },
    async readCounters(counters) {
      if (counters.length === 0) return [];
      const wanted = JSON.stringify(counters.map((c) => ({ s: c.scope, i: c.scopeId, m: c.metric, p: c.period })));
      const { rows } = await guarded(() => pool.query(readSql, [wanted]));
      return rows.map((row) => Number(row.used));
    },
    close: () => queue.close(),
  };
}
