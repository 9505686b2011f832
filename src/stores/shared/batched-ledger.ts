import type { ChargeResult, QuotaLedger } from '../contract/index.js';
import { GroupCommit } from './group-commit.js';
import { LedgerBatch, type LedgerView, type LedgerWrites } from './ledger-batch.js';

export type BatchJob = (batch: LedgerBatch) => ChargeResult | null;

/**
 * The ledger operations of a store that decides in memory under its own lock: jobs are grouped,
 * `commit` runs each group atomically (reads through the view, then applies the writes).
 */
export function createBatchedLedger(options: {
  view: LedgerView;
  recordEvents: boolean;
  maxBatch?: number;
  /** Runs `decide` and applies its writes as one atomic unit; returns decide's results. */
  commit: (decide: () => { results: (ChargeResult | null)[]; writes: LedgerWrites }) => (ChargeResult | null)[];
}): Pick<QuotaLedger, 'charge' | 'refund' | 'adjust' | 'recordRefusal'> & { close(): Promise<void> } {
  const queue = new GroupCommit<BatchJob, ChargeResult | null>(
    (jobs) =>
      options.commit(() => {
        const batch = new LedgerBatch(options.view, options.recordEvents);
        const results = jobs.map((job) => job(batch));
        return { results, writes: batch.writes };
      }),
    options.maxBatch,
  );
  return {
    charge: async (request) => (await queue.submit((batch) => batch.charge(request)))!,
    refund: async (request) => {
      await queue.submit((batch) => (batch.refund(request), null));
    },
    recordRefusal: async (refusal) => {
      await queue.submit((batch) => (batch.recordRefusal(refusal), null));
    },
    adjust: async (lines) => {
      await queue.submit((batch) => {
        for (const line of lines) batch.adjust(line.counter, line.amount);
        return null;
      });
    },
    close: () => queue.close(),
  };
}
