import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect } from 'vitest';
import type { RedisStoreConfig } from '../../../src/stores/redis/index.js';

const CHILD = fileURLToPath(new URL('./redis-charge-process.ts', import.meta.url));

/** What a charging child process is told (as JSON on argv). */
export interface RedisChargeSpec {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly keyPrefix: string;
  /** The API key it charges with. */
  readonly key: string;
  readonly calls: number;
  readonly concurrency: number;
  /** Where in the mix of calls (mixedCall) it starts. */
  readonly offset: number;
  /** A pause after each call, to spread the calls over time. */
  readonly pauseMs?: number;
  readonly store?: Partial<Pick<RedisStoreConfig, 'flushIntervalMs' | 'graceMs' | 'sweepIntervalMs'>>;
}

export interface ChargingChild {
  /** Charge id → cost of every charge it acknowledged so far. */
  readonly granted: Map<string, number>;
  /** Resolves when it finished (refused and unavailable counts), rejects if it failed. */
  readonly done: Promise<{ refused: number; unavailable: number }>;
  /** Resolves once it acknowledged at least `n` charges. */
  grantedAtLeast(n: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnCharger(spec: RedisChargeSpec): ChargingChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const granted = new Map<string, number>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let finished: { refused: number; unavailable: number } | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { id: string; cost: number } | { done: true; refused: number; unavailable: number };
    if ('done' in message) finished = { refused: message.refused, unavailable: message.unavailable };
    else granted.set(message.id, message.cost);
    for (const w of waiters.filter((w) => granted.size >= w.n)) w.resolve();
  });
  const done = new Promise<{ refused: number; unavailable: number }>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (finished && code === 0) resolve(finished);
      else reject(new Error(`charging process ended with ${signal ?? `code ${code}`}: ${stderr.slice(-2000)}`));
    });
  });
  done.catch(() => {});
  return {
    granted,
    done,
    grantedAtLeast: (n) => (granted.size >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    kill: (signal) => child.kill(signal),
  };
}

export interface ScopeLimit {
  readonly scope: 'organization' | 'namespace' | 'api_key';
  readonly scopeId: string;
  readonly limit: number | null;
}

/**
 * What PostgreSQL holds for an organization, checked against the charges that were acknowledged:
 * every acknowledged charge has exactly one granted event (none twice), and for every scope the
 * counter equals the costs of the granted events (and the Interaction records add up to it) and
 * stays within its limit. With `exact`, no other charge was granted.
 */
export async function expectRecordsExact(
  databaseUrl: string,
  schema: string,
  organizationId: string,
  acknowledged: ReadonlyMap<string, number>,
  scopes: readonly ScopeLimit[],
  options: { exact: boolean },
): Promise<{ granted: number; cost: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const query = async (sql: string, values: unknown[]) => (await client.query(sql, values)).rows;
    const events = await query(
      `SELECT charge_id, namespace_id, api_key_id, cost, count(*) OVER (PARTITION BY charge_id) AS times FROM "${schema}".usage_events WHERE organization_id = $1 AND outcome = 'granted'`,
      [organizationId],
    );
    expect(events.filter((e) => Number(e.times) !== 1), 'charges recorded more than once').toEqual([]);
    const recorded = new Map(events.map((e) => [String(e.charge_id), Number(e.cost)]));
    const missing = [...acknowledged].filter(([id, cost]) => recorded.get(id) !== cost);
    expect(missing, 'acknowledged charges missing from PostgreSQL').toEqual([]);
    if (options.exact) expect(recorded.size).toBe(acknowledged.size);

    const counters = await query(`SELECT scope, scope_id, used FROM "${schema}".counters WHERE organization_id = $1 AND metric = 'mini' AND period <> 'lifetime'`, [organizationId]);
    const interactions = await query(`SELECT namespace_id, api_key_id, count, calls FROM "${schema}".interactions WHERE organization_id = $1`, [organizationId]);
    const costOf = (pick: (e: (typeof events)[number]) => boolean) => events.filter(pick).reduce((sum, e) => sum + Number(e.cost), 0);
    for (const { scope, scopeId, limit } of scopes) {
      const used = Number(counters.find((c) => c.scope === scope && c.scope_id === scopeId)?.used ?? 0);
      const mine = (row: { namespace_id: unknown; api_key_id: unknown }) =>
        scope === 'organization' || (scope === 'namespace' ? row.namespace_id === scopeId : row.api_key_id === scopeId);
      expect(used, `${scope} ${scopeId}: counter = granted costs`).toBe(costOf(mine));
      expect(used, `${scope} ${scopeId}: Interaction records = counter`).toBe(interactions.filter(mine).reduce((sum, r) => sum + Number(r.count), 0));
      if (limit !== null) expect(used, `${scope} ${scopeId} within its limit`).toBeLessThanOrEqual(limit);
    }
    expect(interactions.reduce((sum, r) => sum + Number(r.calls), 0)).toBe(events.length);
    return { granted: events.length, cost: costOf(() => true) };
  } finally {
    await client.end();
  }
}
