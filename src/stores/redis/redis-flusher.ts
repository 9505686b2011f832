/**
 * Moves the records in the organizations' streams to PostgreSQL (the record sink), and keeps this
 * process's own entries until PostgreSQL is known to hold them.
 *
 * A drain, inside the sink's transaction and under its organizations' locks, reads each stream
 * from its start together with the organization's current epoch (one MULTI); the sink applies what
 * lies past its marks and commits; then the stream is trimmed up to what was read. So an entry
 * leaves the stream only once PostgreSQL holds it, and one read twice (a crash between commit and
 * trim, another process) sits at or before its mark and is skipped.
 *
 * This process's own entries are forgotten once a mark covers them. When a drain has read a whole
 * stream and found the organization under another epoch than an entry of ours names (or under none:
 * its state is lost), that entry was lost with Redis's data (a FLUSHALL, a restart without
 * persistence), unless the drain just applied it: whatever was left of its epoch's stream has now
 * been applied, and entries are only ever appended under the epoch the script read, so it cannot
 * turn up later. Such entries are replayed from here (the sink skips any it already holds). Only
 * entries this process held before that drain read the stream count: one appended after the read
 * may belong to a new epoch's stream.
 */
import type { Logger } from '../../core/ports.js';
import type { RecordEntry, RecordSink } from '../contract/index.js';
import type { RedisClient } from './redis-config.js';
import { guardedRedis } from './redis-errors.js';
import type { RedisKeys } from './redis-keys.js';
import type { PendingEntries, PendingEntry } from './redis-pending.js';
import { entryOf, recordsOf } from './redis-records.js';

/**
 * What one drain reads of a stream: about BYTES_PER_READ of descriptions, as many entries as that
 * takes by the size of the last ones read (each entry holds a group of jobs). Decoding and folding
 * them runs on this process's thread, between charges: a bounded read keeps that pause short, and
 * a backlog clears in several drains in a row.
 */
const BYTES_PER_READ = 256 * 1024;
const ENTRIES_PER_READ = { first: 200, least: 10, most: 2000 };
/** Organizations drained in one PostgreSQL transaction. */
const ORGANIZATIONS_PER_DRAIN = 100;

export interface DrainedStream {
  /** The organization's epoch when read ('' when its state was lost). */
  readonly epoch: string;
  /** Redis's clock when read. */
  readonly nowMs: number;
  /** The whole stream was read (and is now in PostgreSQL). */
  readonly complete: boolean;
}

export interface RedisFlusher {
  /** Drains the streams of the organizations this process wrote to (others' locks are skipped). */
  flush(): Promise<void>;
  /**
   * Drains, waiting for the locks, until PostgreSQL holds every record this process has
   * acknowledged for these organizations (all of them when none are named) and what their streams
   * held when called: read-your-writes for the log, and a rebuild's starting point.
   */
  flushNow(organizationIds?: readonly string[]): Promise<void>;
  /** Drains the organizations (skipping those another process drains); tells what each stream was. */
  drain(organizationIds: readonly string[], wait: boolean): Promise<Map<string, DrainedStream>>;
}

export function createRedisFlusher(deps: {
  client: RedisClient;
  keys: RedisKeys;
  sink: RecordSink;
  pending: PendingEntries;
  logger: Logger;
}): RedisFlusher {
  const { client, keys, sink, pending } = deps;
  // Average size of an organization's entries, to read about BYTES_PER_READ at a time.
  const entryBytes = new Map<string, number>();
  // One drain at a time in this process: a replay must never race this process's own drain.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => {});
    return next;
  };

  const drainChunk = async (organizationIds: readonly string[], wait: boolean): Promise<Map<string, DrainedStream>> => {
    const drained = new Map<string, DrainedStream & { lastId: string | null }>();
    const held = new Map<string, readonly PendingEntry[]>();
    const marks = await sink.drain(
      organizationIds,
      async (locked) => {
        // What this process held before the streams were read: only these can be found lost.
        for (const org of locked) held.set(org, pending.entries(org));
        // The epoch, Redis's clock and the stream's oldest entries, read atomically (MULTI; one hash slot).
        const replies = await guardedRedis(() =>
          Promise.all(
            locked.map((org) => {
              const k = keys.organization(org);
              const count = Math.min(ENTRIES_PER_READ.most, Math.max(ENTRIES_PER_READ.least, Math.floor(BYTES_PER_READ / (entryBytes.get(org) ?? BYTES_PER_READ / ENTRIES_PER_READ.first))));
              return client.multi([['get', k.marker], ['time'], ['xrange', k.stream, '-', '+', 'COUNT', count + 1]]).exec().then((answers) => ({ answers, count }));
            }),
          ),
        );
        const entries: RecordEntry[] = [];
        locked.forEach((org, i) => {
          const { answers, count } = replies[i]!;
          const failed = answers?.find(([error]) => error !== null);
          if (!answers || failed) throw failed?.[0] ?? new Error('the drain transaction was discarded');
          const epoch = (answers[0]![1] as string | null) ?? '';
          const [seconds, micros] = answers[1]![1] as [string, string];
          const raw = answers[2]![1] as [string, string[]][];
          const read = raw.slice(0, count);
          let bytes = 0;
          for (const [id, fields] of read) {
            entries.push(entryOf(org, id, fields));
            for (const field of fields) bytes += field.length;
          }
          if (read.length > 0) entryBytes.set(org, Math.max(1, bytes / read.length));
          drained.set(org, { epoch, nowMs: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), complete: raw.length <= count, lastId: read.at(-1)?.[0] ?? null });
        });
        return entries;
      },
      { wait },
    );
    // PostgreSQL holds what was read: the streams may let it go.
    await guardedRedis(() =>
      Promise.all(
        [...drained].filter(([, d]) => d.lastId !== null).map(([org, d]) => client.call('XTRIM', keys.organization(org).stream, 'MINID', successorOf(d.lastId!))),
      ),
    );
    const lost: PendingEntry[] = [];
    for (const [org, bySource] of marks) {
      pending.confirm(org, bySource);
      const stream = drained.get(org);
      const mine = held.get(org) ?? [];
      // Epochs follow each other in a process's list: when the last one is current, so are all.
      if (!stream?.complete || mine.length === 0 || (mine[0]!.epoch === stream.epoch && mine.at(-1)!.epoch === stream.epoch)) continue;
      for (const entry of mine) if (entry.epoch !== stream.epoch && pending.has(entry)) lost.push(entry);
    }
    if (lost.length > 0) {
      deps.logger.warn({ entries: lost.length }, 'redis store: records lost with Redis data are replayed into PostgreSQL from this process');
      await sink.replay(lost.map((e) => ({ organizationId: e.organizationId, source: e.epoch, position: e.position, records: recordsOf(e.organizationId, e.description, e.outcomes) })));
      for (const org of new Set(lost.map((e) => e.organizationId))) pending.drop(org, lost);
    }
    return drained;
  };

  const drain = async (organizationIds: readonly string[], wait: boolean) => {
    const all = new Map<string, DrainedStream>();
    for (let i = 0; i < organizationIds.length; i += ORGANIZATIONS_PER_DRAIN) {
      for (const [org, d] of await drainChunk(organizationIds.slice(i, i + ORGANIZATIONS_PER_DRAIN), wait)) all.set(org, d);
    }
    return all;
  };

  return {
    flush: () =>
      serial(async () => {
        // Round after round while a stream had more than one read takes: a backlog clears at once.
        let todo = pending.organizations();
        for (let round = 0; round < 50 && todo.length > 0; round++) {
          todo = [...(await drain(todo, false))].filter(([, d]) => !d.complete).map(([org]) => org);
        }
      }),
    drain: (organizationIds, wait) => serial(() => drain(organizationIds, wait)),
    flushNow: (organizationIds) =>
      serial(async () => {
        const wanted = organizationIds ? new Set(organizationIds) : null;
        // The last entry each organization held when called: it is done once that one is gone.
        const last = new Map<string, PendingEntry>();
        for (const org of pending.organizations()) if (!wanted || wanted.has(org)) last.set(org, pending.entries(org).at(-1)!);
        let todo = [...new Set([...(organizationIds ?? []), ...last.keys()])];
        // A round reads a bounded part of each stream; a few rounds empty any backlog.
        for (let round = 0; round < 1000 && todo.length > 0; round++) {
          const drained = await drain(todo, true);
          todo = [...drained].filter(([org, d]) => !d.complete || (last.has(org) && pending.has(last.get(org)!))).map(([org]) => org);
        }
      }),
  };
}

/** The id right after a stream id: XTRIM MINID keeps ids at or above it. */
function successorOf(id: string): string {
  const dash = id.indexOf('-');
  return `${id.slice(0, dash)}-${Number(id.slice(dash + 1)) + 1}`;
}
