import os from 'node:os';

export interface LoadResult {
  readonly label: string;
  readonly concurrency: number;
  readonly calls: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Closed loop: `concurrency` callers each await one call after another until the time is up. */
export async function closedLoop(label: string, concurrency: number, durationMs: number, call: (i: number) => Promise<unknown>): Promise<LoadResult> {
  // Preallocated, so that recording a latency allocates nothing the collector would then pause for.
  let latencies = new Float64Array(1 << 20);
  let recorded = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = issued++;
        const t0 = performance.now();
        await call(i);
        if (recorded === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[recorded++] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return summarize(label, concurrency, Array.from(latencies.subarray(0, recorded)), seconds);
}

/**
 * Runs the subjects in turn, `rounds` times, each for durationMs / rounds, so that load from
 * elsewhere on the machine (it is shared) weighs on each of them alike; merges each subject's
 * rounds (calls over the total time, median p50 and p99 of the rounds).
 */
export async function interleaved(
  subjects: readonly { label: string; call: (i: number) => Promise<unknown>; afterRound?: () => Promise<void> }[],
  concurrency: number,
  durationMs: number,
  rounds: number,
): Promise<LoadResult[]> {
  const runs = subjects.map(() => [] as LoadResult[]);
  for (let round = 0; round < rounds; round++) {
    for (const [s, subject] of subjects.entries()) {
      runs[s]!.push(await closedLoop(subject.label, concurrency, durationMs / rounds, subject.call));
      await subject.afterRound?.();
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return runs.map((mine) => {
    const calls = mine.reduce((sum, r) => sum + r.calls, 0);
    const seconds = mine.reduce((sum, r) => sum + r.seconds, 0);
    return { ...mine[0]!, calls, seconds, perSecond: calls / seconds, p50Ms: median(mine.map((r) => r.p50Ms)), p99Ms: median(mine.map((r) => r.p99Ms)) };
  });
}

/** A synchronous loop (a raw driver call), for the servers' own limit. */
export function syncLoop(label: string, durationMs: number, call: (i: number) => void): LoadResult {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  let i = 0;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    call(i++);
    latencies.push(performance.now() - t0);
  }
  return summarize(label, 1, latencies, (performance.now() - started) / 1000);
}

function summarize(label: string, concurrency: number, latencies: number[], seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { label, concurrency, calls: latencies.length, seconds, perSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function table(results: readonly LoadResult[], baseline?: LoadResult): string {
  const rows = results.map((r) => {
    const ratio = baseline ? ` ${(r.perSecond / baseline.perSecond).toFixed(2)}× |` : '';
    return `| ${r.label} | ${r.concurrency} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} |${ratio}`;
  });
  const head = `| subject | concurrent callers | calls/s | p50 ms | p99 ms |${baseline ? ` vs ${baseline.label} |` : ''}`;
  const rule = `|---|---|---|---|---|${baseline ? '---|' : ''}`;
  return [head, rule, ...rows].join('\n');
}

/** A table whose ratio columns compare each row with a baseline of its own (e.g. the same concurrency). */
export function ratioTable(results: readonly LoadResult[], ratios: readonly { label: string; baselineOf: (r: LoadResult) => LoadResult | undefined }[]): string {
  const rows = results.map((r) => {
    const cells = ratios.map(({ baselineOf }) => {
      const baseline = baselineOf(r);
      return baseline ? `${(r.perSecond / baseline.perSecond).toFixed(2)}×` : '';
    });
    return `| ${r.label} | ${r.concurrency} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${cells.join(' | ')} |`;
  });
  const head = `| subject | concurrent callers | calls/s | p50 ms | p99 ms | ${ratios.map((r) => r.label).join(' | ')} |`;
  const rule = `|---|---|---|---|---|${ratios.map(() => '---|').join('')}`;
  return [head, rule, ...rows].join('\n');
}
