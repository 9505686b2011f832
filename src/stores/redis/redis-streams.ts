/**
 * Finds the streams no live process drains. A process notes each organization it writes to in a
 * registry (announce.lua, at most once per ANNOUNCE_EVERY_MS per organization, on the connection
 * the group then goes on, so the note reaches Redis first); some process periodically drains every
 * registered stream (the sweep), so that the records of a process that died reach PostgreSQL.
 *
 * An organization leaves the registry only when a sweep read its stream to the end and nobody
 * announced it in the 2 × ANNOUNCE_EVERY_MS before that read (forget.lua). Any append not read by
 * that sweep came after the read; its writer announced at most ANNOUNCE_EVERY_MS before appending,
 * so after the cutoff, and the organization is still registered. Every process must use the same
 * period for this to hold: it is a constant, not a setting.
 */
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-config.js';
import type { RedisFlusher } from './redis-flusher.js';
import type { RedisKeys } from './redis-keys.js';
import type { RunScript } from './redis-scripts.js';

export const ANNOUNCE_EVERY_MS = 5000;

export interface StreamRegistry {
  /** Called before a group is sent: notes the organization when its last note is old. */
  announce(organizationId: string): void;
  /** Drains every registered stream, if no other process is sweeping now. */
  sweep(): Promise<void>;
}

export function createStreamRegistry(deps: {
  client: RedisClient;
  run: RunScript;
  keys: RedisKeys;
  flusher: RedisFlusher;
  sweepIntervalMs: number;
}): StreamRegistry {
  const { client, run, keys } = deps;
  const announceEveryMs = ANNOUNCE_EVERY_MS;
  const announced = new Map<string, number>();
  return {
    announce(organizationId) {
      const now = performance.now();
      const last = announced.get(organizationId);
      if (last !== undefined && now - last < announceEveryMs) return;
      if (announced.size >= 100_000) announced.clear();
      announced.set(organizationId, now);
      // Not awaited: it goes out before the group on the same connection. If it fails, so will the group.
      run('announce', [keys.streams], [organizationId]).catch(() => announced.delete(organizationId));
    },
    async sweep() {
      const token = randomBytes(8).toString('hex');
      if ((await client.call('SET', keys.sweepLock, token, 'PX', deps.sweepIntervalMs, 'NX')) !== 'OK') return;
      const organizations = (await client.call('ZRANGE', keys.streams, 0, -1)) as string[];
      const drained = await deps.flusher.drain(organizations, false);
      for (const [org, stream] of drained) {
        if (stream.complete) await run('forget', [keys.streams], [org, stream.nowMs - 2 * announceEveryMs]);
      }
    },
  };
}
