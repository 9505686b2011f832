/**
 * autocannon on POST /v1/memory/search (full-text search over 1,000 memories): the metered server
 * beside the same server with metering switched off, in one run, alternating to even out drift.
 * Each server runs in its own process; autocannon runs in this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machine } from './lib/measure.js';

const DURATION_S = Number(process.env.BENCH_HTTP_S ?? 10);
const CONNECTIONS = 100;

async function startServer(mode: 'metered' | 'unmetered', dir: string): Promise<{ child: ChildProcess; port: number; key: string }> {
  const script = fileURLToPath(new URL('./lib/http-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as { port: number; key: string }) };
}

type Pass = { rps: number; p50: number; p99: number; non2xx: number };

async function load(port: number, key: string, connections: number): Promise<Pass> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/memory/search`,
    method: 'POST',
    connections,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: 't17 a5' }),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

export async function benchHttpMetered(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-http-bench-'));
  const servers = { metered: await startServer('metered', dir), unmetered: await startServer('unmetered', dir) };
  try {
    const modes = ['unmetered', 'metered'] as const;
    const rows: string[] = [];
    const ratios: string[] = [];
    for (const connections of [CONNECTIONS, 1]) {
      const runs: Record<(typeof modes)[number], Pass[]> = { metered: [], unmetered: [] };
      for (const mode of [...modes, ...modes]) {
        await load(servers[mode].port, servers[mode].key, connections); // warm-up, discarded
        runs[mode].push(await load(servers[mode].port, servers[mode].key, connections));
      }
      const mean = (xs: Pass[]) => xs.reduce((s, x) => s + x.rps, 0) / xs.length;
      for (const mode of modes) {
        const r = runs[mode];
        rows.push(`| ${mode} | ${connections} | ${Math.round(mean(r)).toLocaleString('en-US')} | ${Math.max(...r.map((x) => x.p50))} | ${Math.max(...r.map((x) => x.p99))} | ${r.reduce((s, x) => s + x.non2xx, 0)} |`);
      }
      ratios.push(`${(mean(runs.metered) / mean(runs.unmetered)).toFixed(2)}× at ${connections} connection${connections > 1 ? 's' : ''}`);
    }
    return [
      `Machine: ${machine()}. autocannon, ${DURATION_S} s per pass, two passes per server and concurrency (alternating, each after a discarded warm-up); POST /v1/memory/search over 1,000 memories on SQLite (a query matching about 37 of them, 20 returned); server and load generator in separate processes on the same 2 cores.`,
      '',
      '| server | connections | requests/s | p50 ms | p99 ms | non-2xx |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `**Metered / unmetered throughput: ${ratios.join(', ')}** (goal ≥ 0.85×).`,
    ].join('\n');
  } finally {
    for (const s of Object.values(servers)) s.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
