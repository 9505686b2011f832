/**
 * Group commit per organization (as src/stores/shared/group-commit.ts does for a whole store): jobs
 * submitted close together for one organization go to Redis as one script call, since one script
 * may only touch one organization's hash slot. A job for an organization with nothing out is sent at
 * once; otherwise it waits for the next turn of the event loop (or, with `maxInFlight` calls out,
 * for one to come back), so the group grows with the load: one caller pays a round trip per job, a
 * hundred share one.
 */
export class OrganizationQueue<Job, Result> {
  private readonly waiting = new Map<string, { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private scheduled = false;

  constructor(
    /** Runs one organization's group; returns one result per job, in order. Throwing fails every job of the group. */
    private readonly runGroup: (organizationId: string, jobs: Job[]) => Promise<Result[]>,
    private readonly maxBatch: number,
    private readonly maxInFlight: number,
  ) {}

  submit(organizationId: string, job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      // An organization with nothing out goes at once: waiting for the next turn would only add latency.
      if (!this.inFlight.has(organizationId) && !this.waiting.has(organizationId)) {
        this.start(organizationId, [{ job, resolve, reject }]);
        return;
      }
      let list = this.waiting.get(organizationId);
      if (!list) this.waiting.set(organizationId, (list = []));
      list.push({ job, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until every job submitted so far has run. */
  async drain(): Promise<void> {
    while (this.running.size > 0 || this.waiting.size > 0 || this.scheduled) {
      if (this.running.size > 0) await Promise.all(this.running);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: requests arriving in the same turn of the event loop join one group.
    setImmediate(() => {
      this.scheduled = false;
      for (const [organizationId, list] of this.waiting) {
        while (list.length > 0 && (this.inFlight.get(organizationId) ?? 0) < this.maxInFlight) this.start(organizationId, list.splice(0, this.maxBatch));
        if (list.length === 0) this.waiting.delete(organizationId);
      }
    });
  }

  private start(organizationId: string, batch: { job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }[]): void {
    this.inFlight.set(organizationId, (this.inFlight.get(organizationId) ?? 0) + 1);
    const run: Promise<void> = this.runGroup(
      organizationId,
      batch.map((entry) => entry.job),
    )
      .then(
        (results) => batch.forEach((entry, i) => entry.resolve(results[i]!)),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.running.delete(run);
        const left = this.inFlight.get(organizationId)! - 1;
        if (left === 0) this.inFlight.delete(organizationId);
        else this.inFlight.set(organizationId, left);
        if (this.waiting.has(organizationId)) this.schedule();
      });
    this.running.add(run);
  }
}
