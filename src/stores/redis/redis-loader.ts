/**
 * Loads an organization's state into Redis from PostgreSQL: all of it when Redis has none (its
 * marker is missing: never loaded, or lost), or the counters of periods not loaded in the current
 * epoch yet (a new month, lifetime counters first used).
 *
 * A rebuild (redis/index.ts states why it is safe):
 * 1. takes the organization's rebuild lock (other processes wait for the marker instead);
 * 2. waits the grace period when the data may have just been lost: when this Redis's instance
 *    stamp is younger than graceMs, or when PostgreSQL knows the organization (so its keys went
 *    missing on their own). Meanwhile every live process notices the loss at its next flush and
 *    replays the entries it holds;
 * 3. drains what is left of the organization's stream and replays this process's own entries;
 * 4. reads PostgreSQL: idempotency keys, recent minute windows, refund markers, the periods asked;
 * 5. writes them in chunks (restore.lua; a chunk finding a marker changes nothing), the last chunk
 *    setting the marker: a new epoch. Counters of other periods load lazily, under that epoch.
 */
import { randomBytes } from 'node:crypto';
import { TollgateError } from '../../core/errors.js';
import { windowStartOf } from '../../core/charge-rules.js';
import type { Clock, Logger } from '../../core/ports.js';
import type { RecordSink } from '../contract/index.js';
import type { RedisClient, RedisSettings } from './redis-config.js';
import { guardedRedis } from './redis-errors.js';
import type { RedisFlusher } from './redis-flusher.js';
import { idempotencyValue } from './redis-answer.js';
import { REFUND_MARKER_MS } from './redis-group.js';
import { counterField, type RedisKeys } from './redis-keys.js';
import type { RunScript } from './redis-scripts.js';

export interface LoadNeed {
  /** The organization's state is not in Redis at all. */
  readonly lost: boolean;
  /** Periods whose counters the caller needs. */
  readonly periods: readonly string[];
}

export interface RedisLoader {
  /** Loads what is needed, or waits for another process to; throws STORE_UNAVAILABLE past `deadline` (performance.now() ms). */
  load(organizationId: string, need: LoadNeed, deadline: number): Promise<void>;
}

/** Keys written per restore.lua call. */
const CHUNK = 500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRedisLoader(deps: {
  client: RedisClient;
  run: RunScript;
  keys: RedisKeys;
  sink: RecordSink;
  flusher: RedisFlusher;
  clock: Clock;
  settings: RedisSettings;
  logger: Logger;
}): RedisLoader {
  const { client, run, keys, sink, settings } = deps;
  const inFlight = new Map<string, Promise<void>>();

  const timedOut = (organizationId: string) =>
    new TollgateError('STORE_UNAVAILABLE', {
      message: `The usage counters of organization ${organizationId} are being rebuilt in Redis; retry shortly.`,
      details: { store: 'redis', organization_id: organizationId },
    });

  const loadPeriods = async (organizationId: string, periods: readonly string[]) => {
    const k = keys.organization(organizationId);
    const epoch = (await guardedRedis(() => client.call('GET', k.marker))) as string | null;
    if (epoch === null) return; // lost meanwhile: the caller's next try says so
    const counters = await sink.counters(organizationId, periods);
    const args: (string | number)[] = [epoch];
    for (const period of periods) {
      const mine = counters.filter((c) => c.counter.period === period);
      args.push(mine.length, ...mine.flatMap((c) => [counterField(c.counter), c.used]));
    }
    await guardedRedis(() => run('load-periods', [k.marker, ...periods.map(k.period)], args));
  };

  const rebuild = async (organizationId: string, periods: readonly string[], deadline: number) => {
    const k = keys.organization(organizationId);
    const token = randomBytes(9).toString('base64url');
    const lockMs = settings.graceMs + settings.loadTimeoutMs;
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      if ((await guardedRedis(() => client.call('SET', k.lock, token, 'PX', lockMs, 'NX'))) === 'OK') break;
      // Another process rebuilds: wait for its marker (or for its lock to lapse, if it died).
      await sleep(wait);
      if ((await guardedRedis(() => client.call('EXISTS', k.marker))) === 1) return;
      if (performance.now() > deadline) throw timedOut(organizationId);
    }
    try {
      const stampAgeMs = Number(await guardedRedis(() => run('instance', [keys.instance], [])));
      const graceLeft = (await sink.knows(organizationId)) ? settings.graceMs : settings.graceMs - stampAgeMs;
      if (graceLeft > 0) {
        deps.logger.info({ organization_id: organizationId, grace_ms: graceLeft }, 'redis store: rebuilding an organization from PostgreSQL after the grace period');
        await sleep(graceLeft);
      }
      await deps.flusher.flushNow([organizationId]);
      const nowMs = deps.clock.now();
      const [snapshot, counters] = await Promise.all([sink.snapshot(organizationId, { nowMs, sinceMs: nowMs - REFUND_MARKER_MS }), sink.counters(organizationId, periods)]);

      const writes: { key: string; args: (string | number)[] }[] = [];
      for (const i of snapshot.idempotency) {
        writes.push({ key: k.idempotency(i.apiKeyId, i.key), args: ['s', idempotencyValue(i.fingerprint, i.expiresAtMs, i.result), Math.max(1000, i.expiresAtMs - nowMs + 60_000)] });
      }
      for (const r of snapshot.refunds) writes.push({ key: k.refund(r.chargeId), args: ['s', '1', Math.max(1000, r.atMs + REFUND_MARKER_MS - nowMs)] });
      const windowMs = settings.rateWindowMs;
      const windows = new Map<number, (string | number)[]>();
      for (const w of snapshot.rateWindows) {
        const start = windowStartOf(w.windowStartMs, windowMs);
        if (start < windowStartOf(nowMs, windowMs) - windowMs) continue; // no charge reads it any more
        const fields = windows.get(start) ?? [];
        windows.set(start, [...fields, w.key, w.count]);
      }
      for (const [start, fields] of windows) writes.push({ key: k.window(windowMs, start), args: ['h', 2 * windowMs + 60_000, fields.length / 2, ...fields] });
      const last = periods.map((period) => {
        const mine = counters.filter((c) => c.counter.period === period);
        return { key: k.period(period), args: ['p', mine.length, ...mine.flatMap((c) => [counterField(c.counter), c.used])] };
      });

      for (let i = 0; i < writes.length; i += CHUNK) await restore(writes.slice(i, i + CHUNK), '');
      const epoch = randomBytes(6).toString('base64url');
      await restore(last, epoch);
    } catch (error) {
      await run('unlock', [k.lock], [token]).catch(() => {});
      throw error;
    }

    async function restore(chunk: readonly { key: string; args: (string | number)[] }[], epoch: string) {
      await guardedRedis(() => run('restore', [k.marker, k.lock, ...chunk.map((w) => w.key)], [epoch, token, ...chunk.flatMap((w) => w.args)]));
    }
  };

  return {
    async load(organizationId, need, deadline) {
      const id = need.lost ? organizationId : `${organizationId}\u0000${need.periods.join('\u0000')}`;
      let running = inFlight.get(id);
      if (!running) {
        running = (need.lost ? rebuild(organizationId, need.periods, deadline) : loadPeriods(organizationId, need.periods)).finally(() => inFlight.delete(id));
        inFlight.set(id, running);
      }
      await running;
    },
  };
}
