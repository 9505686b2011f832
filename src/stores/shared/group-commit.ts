/**
 * Collects jobs submitted close together and runs them as one batch (one transaction, one round
 * trip), resolving each job's promise only after the batch has committed. While batches run,
 * new jobs wait for the next one, so the batch size grows with the load by itself: one caller
 * pays one commit per job, a hundred share each commit.
 *
 * `maxInFlight` batches may run at once (default 1). A store whose batches go to a server over a
 * pool of connections (PostgreSQL) sets it higher so that the round trip of one batch overlaps
 * with the work of another; the server's row locks still order batches touching the same rows.
 */
export class GroupCommit<Job, Result> {
  private queue: { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private readonly running = new Set<Promise<void>>();
  private scheduled = false;
  private closed = false;

  constructor(
    /** Runs a batch; returns one result per job, in order. Throwing fails every job of the batch. */
    private readonly runBatch: (jobs: Job[]) => Result[] | Promise<Result[]>,
    private readonly maxBatch = 1000,
    private readonly maxInFlight = 1,
  ) {}

  submit(job: Job): Promise<Result> {
    if (this.closed) return Promise.reject(new Error('group commit is closed'));
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until every job submitted so far has run. */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0 || this.scheduled) {
      if (this.running.size > 0) await Promise.all(this.running);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled || this.running.size >= this.maxInFlight) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests arriving in the same turn of the event loop (several
    // sockets readable at once) join one batch.
    setImmediate(() => {
      this.scheduled = false;
      const run: Promise<void> = this.runNext().finally(() => {
        this.running.delete(run);
        if (this.queue.length > 0) this.schedule();
      });
      this.running.add(run);
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async runNext(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      const results = await this.runBatch(batch.map((entry) => entry.job));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
