/**
 * The Redis store: quota counters, minute windows, idempotency keys and refund markers in Redis,
 * decided by Lua; the records of every decision flow to PostgreSQL; tenants, the InteractionLog,
 * idempotent responses, memories, feedback and settings are the PostgreSQL store's, handed in.
 *
 * What must run: Redis 6.2 or newer (tested on 7.0) with `maxmemory-policy noeviction` (an evicted
 * key is lost state, and only a lost marker is noticed); the PostgreSQL store, migrated (its
 * record_marks and record_replays tables); in every process using the store, its flush timer
 * (every flushIntervalMs) and sweep (every sweepIntervalMs). Every process must use the same
 * flushIntervalMs and a graceMs longer than it (the defaults: 200 ms and 1 s).
 *
 * Keys (redis-keys.ts) carry the organization as hash tag, `<prefix>{<org>}:…`: one script only
 * ever touches one organization, so one slot of a Redis Cluster. Three small global keys live in
 * slots of their own. (Tested on one node.)
 *
 * Guarantees, and why:
 * - Every QuotaLedger rule, across any number of processes. One ledger.lua call decides a group of
 *   one organization's jobs in order, each all-or-nothing, with the arithmetic of
 *   src/core/charge-rules.ts; Redis runs one script at a time. The same call appends what it decided
 *   (the group's records) to the organization's stream, so counters never move without their
 *   records, and no answer leaves Redis before both are there.
 * - Exactly once in PostgreSQL. Records leave a stream only through the record sink: a drain locks
 *   the organization in PostgreSQL, reads the stream, applies what lies past the stream's mark,
 *   moves the mark in the same transaction and only then trims the stream; a replay (below) is
 *   remembered by position. Whoever repeats a drain or a replay, and whenever a process dies, an
 *   entry counts once. Reads through `log` first drain this process's entries and the organization's
 *   stream: a process reads its own writes; others' arrive within their flush interval.
 * - A process dies (SIGKILL, OOM): every charge it answered is in its organization's stream, which
 *   any other process drains (it drains the organizations it writes to, and the sweep drains every
 *   stream in the registry of streams, which each process announces itself in before writing). So
 *   `capabilities.durable` is true in the contract's sense: a granted charge survives a crash of the
 *   process once charge() resolved. A charge whose call died with it may or may not have counted.
 * - Redis loses its data (FLUSHALL, a restart without persistence): its organizations' markers go,
 *   and every script answers "not loaded" instead of deciding. Each process keeps the entries it
 *   appended until a mark covers them; at its next flush (within flushIntervalMs) it finds the
 *   epoch gone and replays those entries into PostgreSQL. The first process that needs the
 *   organization rebuilds it (redis-loader.ts): under a lock (others wait, up to loadTimeoutMs, then
 *   STORE_UNAVAILABLE), it waits graceMs, drains what is left, reads PostgreSQL (counters of the
 *   periods needed, idempotency keys, minute windows, refund markers) and writes them with a new
 *   epoch; other periods load on first use. If every live process replayed within graceMs, PostgreSQL
 *   then holds every charge any live process answered, so the rebuilt counters are exact and no scope
 *   goes past its limit, before, during (nothing is decided) or after the rebuild.
 * - Both at once: charges answered by the process that died, and not yet drained when Redis lost
 *   them, are lost (they were only in Redis and in that process). Nothing else is.
 *
 * Limits: a live process that cannot replay within graceMs (stalled, or cut off from PostgreSQL)
 * still gets its entries into PostgreSQL once, later, but the rebuilt counters miss them until the
 * organization is rebuilt again: a scope can exceed its limit by their amounts. A failover to an
 * asynchronous replica that had not yet received the last writes keeps the marker and so is not
 * seen as a loss: those charges are lost from counters and records (Redis without WAIT cannot do
 * better). An organization's keys deleted on their own within its first flush interval are not told
 * from a new organization. While PostgreSQL is down, charges go on and records wait in the streams
 * and in memory; past maxPendingRecords, charges fail with STORE_UNAVAILABLE. A Redis call times out
 * after commandTimeoutMs, and nothing waits in an offline queue or is sent twice: calls fail at once
 * with STORE_UNAVAILABLE while Redis is away (the engine answers 503, or passes under failOpen).
 */
export { createRedisStore } from './redis-store.js';
export type { RedisClient, RedisStoreConfig } from './redis-config.js';
