/**
 * Charge + record on Redis (records flowing to PostgreSQL), beside rate-limiter-flexible's
 * RateLimiterRedis.consume() and a raw EVALSHA loop of a trivial check-and-increment script (the
 * server's own limit) on the same Redis, at 1, 8 and 100 concurrent callers, rounds interleaved.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { loadConfig } from '../src/cli/load-config.js';
import { createMeter, systemClock } from '../src/metering/index.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createRedisStore } from '../src/stores/redis/index.js';
import { createTenancy } from '../src/tenancy/index.js';
import { interleaved, machine, ratioTable, type LoadResult } from './lib/measure.js';
import { benchWorkload } from './lib/tenants.js';
import { windowStartOf } from '../src/core/charge-rules.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 6000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = [1, 8, 100];
const KEYS = 4;
const ROUNDS = 3;

/** What the raw loop runs: add to a counter unless that passes a limit. */
const CHECK_AND_INCREMENT = `
local used = tonumber(redis.call('GET', KEYS[1]) or 0)
if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
return redis.call('INCRBY', KEYS[1], ARGV[1])`;

/**
 * The floor: what no Redis store can go below for one charge that checks the organization,
 * namespace and key limits and the minute window and keeps its record: one script that reads the
 * three counters and the window count in one HMGET, moves them in one HSET only if all pass, and
 * appends the record to a stream. No grouping, no engine, no move of the records to PostgreSQL.
 * KEYS: counters hash, stream. ARGV: 3 counter fields, window field, amount, limit, window limit, record.
 */
const FLOOR = `
local v = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
local amount, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local o, n, k, w = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
if o + amount > limit or n + amount > limit or k + amount > limit or w + 1 > tonumber(ARGV[7]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], o + amount, ARGV[2], n + amount, ARGV[3], k + amount, ARGV[4], w + 1)
redis.call('XADD', KEYS[2], '*', 'r', ARGV[8])
return 1`;
const FLOOR_LABEL = 'floor: one script checking and moving 3 counters + the minute window and appending the record (no engine, no grouping, no move to PostgreSQL)';

/** A connection for a peer subject: ioredis's defaults, or with auto-pipelining (many calls in one write). */
const connect = (autoPipelining = false) => new Redis(REDIS_URL, { enableAutoPipelining: autoPipelining, maxRetriesPerRequest: 0 });

export async function benchChargeRedis(): Promise<string> {
  const prefix = `tollgate-bench:${randomBytes(4).toString('hex')}:`;
  const schema = `tollgate_bench_redis_${randomBytes(4).toString('hex')}`;
  const raw = connect();
  const rawPipelined = connect(true);
  const rlfClient = connect();
  const rlfPipelined = connect(true);
  const config = loadConfig({ env: { TOLLGATE_STORE: 'redis', DATABASE_URL, REDIS_URL, TOLLGATE_KEY_SECRET: randomBytes(32).toString('hex') } });
  const postgres = await createPostgresStore({ connectionString: DATABASE_URL, schema, clock: systemClock });
  const store = await createRedisStore({ redis: REDIS_URL, keyPrefix: prefix, postgres, clock: systemClock });
  const meter = createMeter({ store, plans: config.plans, keySecret: config.keySecret });
  const tenancy = createTenancy({ directory: store.directory, plans: config.plans, keySecret: config.keySecret, clock: systemClock });
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const sha = (await raw.script('LOAD', CHECK_AND_INCREMENT)) as string;
    const floorSha = (await raw.script('LOAD', FLOOR)) as string;
    // A record as long as a charge's share of a stream entry: its id, time, attribution, operation, cost.
    const record = JSON.stringify([randomUUID(), Date.now(), 'org_bench', 'ns_bench', 'key_bench', 'usr_bench', 'ws_bench', 'add_memory_v1', 'mini', 4]);
    await rawPipelined.script('LOAD', CHECK_AND_INCREMENT);
    const limiter = new RateLimiterRedis({ storeClient: rlfClient, keyPrefix: `${prefix}rlf`, points: 1e12, duration: 3600 });
    const limiterPipelined = new RateLimiterRedis({ storeClient: rlfPipelined, keyPrefix: `${prefix}rlf`, points: 1e12, duration: 3600 });
    const charge = await benchWorkload(tenancy, meter, KEYS, true);
    await charge(0); // loads the organization into Redis (a rebuild, with its grace period) before timing

    // After each Tollgate round, the records still waiting for PostgreSQL, and how long they take to get there.
    const backlog: string[] = [];
    const recorded = async () => Number((await admin.query(`SELECT coalesce(sum(calls), 0) AS calls FROM "${schema}".interactions`)).rows[0]!.calls);
    let charged = 1;
    const subjects = [
      { label: 'raw EVALSHA check-and-increment', call: (i: number) => raw.evalsha(sha, 1, `${prefix}raw:${i % KEYS}`, 1, 1e12) },
      { label: 'raw EVALSHA check-and-increment, auto-pipelined', call: (i: number) => rawPipelined.evalsha(sha, 1, `${prefix}raw:${i % KEYS}`, 1, 1e12) },
      { label: 'rate-limiter-flexible RateLimiterRedis consume()', call: (i: number) => limiter.consume(`k${i % KEYS}`) },
      { label: 'rate-limiter-flexible RateLimiterRedis consume(), auto-pipelined', call: (i: number) => limiterPipelined.consume(`k${i % KEYS}`) },
      {
        label: FLOOR_LABEL,
        call: (i: number) =>
          raw.evalsha(floorSha, 2, `${prefix}{floor}:c`, `${prefix}{floor}:s`, 'o:mini', `n${i % KEYS}:mini`, `k${i % KEYS}:mini`, `w${i % KEYS}:${windowStartOf(Date.now(), 60_000)}`, 4, 1e12, 1e9, record),
        afterRound: () => raw.del(`${prefix}{floor}:s`).then(() => undefined),
      },
      {
        label: 'Tollgate charge+record on Redis',
        call: (i: number) => ((charged += 1), charge(i)),
        afterRound: async () => {
          const started = performance.now();
          const waiting = charged - (await recorded());
          while ((await recorded()) < charged) await new Promise((resolve) => setTimeout(resolve, 20));
          backlog.push(`${waiting.toLocaleString('en-US')} in ${Math.round(performance.now() - started)} ms`);
        },
      },
    ];
    const loadBefore = os.loadavg()[0]!;
    const results: LoadResult[] = [];
    for (const concurrency of CONCURRENCY) results.push(...(await interleaved(subjects, concurrency, DURATION_MS, ROUNDS)));
    const loadAfter = os.loadavg()[0]!;
    const info = await raw.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    // Each peer at its best: with or without auto-pipelining, whichever was faster at that concurrency.
    const best = (label: string) => (r: LoadResult) =>
      results.filter((b) => b.label.startsWith(label) && b.concurrency === r.concurrency).sort((a, b) => b.perSecond - a.perSecond)[0];
    const tollgate = results.filter((r) => r.label.startsWith('Tollgate'));
    const ratio = (r: LoadResult, label: string) => (r.perSecond / best(label)(r)!.perSecond).toFixed(2);
    return [
      `Machine: ${machine()}; Redis ${version} and PostgreSQL on the same machine, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after (other work shares these cores). Each row runs ${DURATION_MS / 1000} s in ${ROUNDS} rounds taken in turn with the other subjects at the same concurrency (the table gives calls over the total time, and the median p50 and p99 of the rounds); each subject has one connection; the peers run with ioredis's defaults and with auto-pipelining, and each ratio compares with the faster of the two (Tollgate groups charges itself, without auto-pipelining, which only added cost).`,
      `Tollgate: 1 organization, ${KEYS} keys in ${KEYS} namespaces, 4 operations; every charge checks and moves the organization, namespace and key counters (each with a limit) and the minute window, stores its record in the organization's stream, and the store's flusher moves the records (Interaction records, rollups, usage events) into PostgreSQL in the same process meanwhile. rate-limiter-flexible and the raw script move one key per call, over the same ${KEYS} keys.`,
      '',
      ratioTable(results, [
        { label: 'vs the faster consume() at the same concurrency', baselineOf: best('rate-limiter-flexible') },
        { label: 'vs the faster raw EVALSHA at the same concurrency', baselineOf: best('raw EVALSHA') },
      ]),
      '',
      `Goals (issue 4): at least 1.0× consume() and 0.70× raw EVALSHA, each at its best. Tollgate: ${tollgate.map((r) => `${ratio(r, 'rate-limiter-flexible')}× consume() and ${ratio(r, 'raw EVALSHA')}× EVALSHA at ${r.concurrency}`).join('; ')}. The floor: ${results
        .filter((r) => r.label === FLOOR_LABEL)
        .map((r) => `${ratio(r, 'rate-limiter-flexible')}× consume() at ${r.concurrency}`)
        .join('; ')}.`,
      '',
      `Records not yet in PostgreSQL at the end of each Tollgate round, and the time until they all were: ${backlog.join('; ')}.`,
    ].join('\n');
  } finally {
    await meter.close();
    await store.close();
    for (const client of [raw, rawPipelined, rlfClient, rlfPipelined]) client.disconnect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    const cleaner = connect();
    for (let cursor = '0'; ; ) {
      const [next, keys] = await cleaner.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await cleaner.unlink(...keys);
      if ((cursor = next) === '0') break;
    }
    cleaner.disconnect();
  }
}
