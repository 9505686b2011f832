/**
 * Ships the Interaction records the base store keeps to Parse, exactly once, with batched
 * `Increment`s.
 *
 * For every tuple the base store's record (count, calls) is the truth; Parse must hold what
 * Tollgate recorded plus whatever the record held before Tollgate. A tuple recorded by one life of
 * the base store is a *chain* (its id hashes the tuple and the base record's createdAt), and Parse
 * keeps, in TollgateSync, how much of each chain it has applied:
 *   - `<chain>v0`: created by the chain's first shipment, never deleted;
 *   - `<chain>v<n>`: the current state after n shipments (applied count and calls, the record id).
 * One shipment of a chain from version n is, in ONE transactional POST /batch:
 *   DELETE <chain>v<n>  (or, for the first, POST <chain>v0)
 *   POST   <chain>v<n+1> { applied: base count, appliedCalls: base calls }
 *   PUT    Interaction/<id> { count: Increment(base − applied), calls: Increment(…) }  (or POST to create it)
 * Two shippers that start from the same version both try to delete (or create) the same object:
 * PostgreSQL's row lock and primary key let exactly one commit; the other's transaction fails as a
 * whole and it re-reads the state. A shipment whose answer was lost is never sent again as it was:
 * after any failure the state is re-read, and if the shipment had committed its version has moved
 * and the remaining difference is 0. So Interaction.count − (count before Tollgate) = Σ applied,
 * and applied only ever becomes the base count it was computed from: nothing is lost or doubled
 * across crashes, retries and any number of Tollgate processes sharing the base store.
 */
import { LRUCache } from 'lru-cache';
import { TollgateError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import type { InteractionLog, InteractionRecord } from '../contract/index.js';
import type { BatchRequest, ParseClient } from './parse-client.js';
import { translateParseError } from './parse-errors.js';
import {
  INTERACTION_CLASS,
  SYNC_CLASS,
  chainId,
  interactionFields,
  interactionObjectId,
  pointer,
  toInteractionRecord,
  tupleKey,
  type InteractionTuple,
} from './parse-mapper.js';

export interface InteractionWriter {
  /** Notes that a tuple's base record changed; it is shipped at the next flush. */
  mark(tuple: InteractionTuple): void;
  /** Marks every base record of the given periods (catch-up at start, periodic sweep). */
  sweep(periods: readonly { readonly month: number; readonly year: number }[]): Promise<void>;
  /** Ships everything marked so far; throws STORE_UNAVAILABLE when Parse cannot take it. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface ChainState {
  readonly version: number;
  readonly applied: number;
  readonly appliedCalls: number;
  readonly interaction: string;
}

interface Item {
  readonly tuple: InteractionTuple;
  readonly key: string;
  readonly record: InteractionRecord;
  readonly chain: string;
}

/** Where a chain's first shipment adds: an existing record (PUT) or a new one with this id (POST). */
interface Target {
  readonly id: string;
  readonly exists: boolean;
}

// Contending shippers abort each other (and PostgreSQL breaks a lock cycle between two batches
// after deadlock_timeout, 1 s): a few attempts with growing pauses settle it.
const MAX_ATTEMPTS = 6;
const PARALLEL_GROUPS = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createInteractionWriter(deps: {
  client: ParseClient;
  base: InteractionLog;
  logger?: Logger;
  batchSize: number;
  flushIntervalMs: number;
  adoptExistingRecords: boolean;
}): InteractionWriter {
  const { client, base } = deps;
  const logger = deps.logger ?? silentLogger;
  let dirty = new Map<string, InteractionTuple>();
  // Interaction records known to exist (Tollgate never deletes one).
  const existing = new LRUCache<string, true>({ max: 200_000 });
  // Per organization and period: records written before Tollgate, by tuple key.
  const legacy = new LRUCache<string, Map<string, string>>({ max: 10_000 });

  const mark = (tuple: InteractionTuple) => dirty.set(tupleKey(tuple), tuple);

  /** The base records of the marked tuples, read by (key, period): the amounts to reach. */
  const loadItems = async (tuples: Map<string, InteractionTuple>): Promise<Item[]> => {
    const groups = new Map<string, InteractionTuple>();
    for (const t of tuples.values()) groups.set(`${t.apiKeyId}\u0000${t.year}\u0000${t.month}`, t);
    const items: Item[] = [];
    for (const t of groups.values()) {
      for (const record of await base.interactions({ apiKeyId: t.apiKeyId, month: t.month, year: t.year })) {
        const key = tupleKey(record);
        if (tuples.has(key)) items.push({ tuple: record, key, record, chain: chainId(record, record.createdAt) });
      }
    }
    return items;
  };

  /**
   * Chain states are read at every flush, never kept between flushes: another process sharing the
   * base store may have shipped the chain since (after a refund, even to a lower amount).
   */
  const loadStates = async (states: Map<string, ChainState>, items: readonly Item[]) => {
    const unknown = [...new Set(items.filter((i) => !states.has(i.chain)).map((i) => i.chain))];
    for (let i = 0; i < unknown.length; i += 200) {
      const found = await client.find(SYNC_CLASS, { chain: { $in: unknown.slice(i, i + 200) } }, { keys: ['chain', 'version', 'applied', 'appliedCalls', 'interaction'] });
      for (const o of found) {
        const state: ChainState = { version: Number(o.version), applied: Number(o.applied ?? 0), appliedCalls: Number(o.appliedCalls ?? 0), interaction: String(o.interaction) };
        const chain = String(o.chain);
        if (state.version >= 1 && state.version > (states.get(chain)?.version ?? 0)) states.set(chain, state);
      }
    }
  };

  const legacyRecords = async (t: InteractionTuple): Promise<Map<string, string>> => {
    const scope = `${t.organizationId}\u0000${t.year}\u0000${t.month}`;
    let found = legacy.get(scope);
    if (!found) {
      found = new Map();
      const records = await client.findAll(INTERACTION_CLASS, { organization: pointer('Organization', t.organizationId), month: t.month, year: t.year });
      // The oldest record of a tuple is the one to keep adding to.
      records.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
      for (const o of records) {
        const record = toInteractionRecord(o);
        const key = tupleKey(record);
        if (o.objectId !== interactionObjectId(record) && !found.has(key)) found.set(key, o.objectId);
      }
      legacy.set(scope, found);
    }
    return found;
  };

  /** For chains shipped for the first time: which Interaction record they add to. */
  const loadTargets = async (items: readonly Item[]): Promise<Map<string, Target>> => {
    const targets = new Map<string, Target>();
    const ids = items.map((i) => interactionObjectId(i.tuple)).filter((id) => !existing.has(id));
    for (let i = 0; i < ids.length; i += 200) {
      for (const o of await client.find(INTERACTION_CLASS, { objectId: { $in: ids.slice(i, i + 200) } }, { keys: ['objectId'] })) existing.set(o.objectId, true);
    }
    for (const item of items) {
      const id = interactionObjectId(item.tuple);
      if (existing.has(id)) targets.set(item.chain, { id, exists: true });
      else {
        const adopted = deps.adoptExistingRecords ? (await legacyRecords(item.tuple)).get(item.key) : undefined;
        targets.set(item.chain, adopted ? { id: adopted, exists: true } : { id, exists: false });
      }
    }
    return targets;
  };

  const shipmentOf = (item: Item, state: ChainState | undefined, target: Target | undefined): BatchRequest[] => {
    const { record, chain } = item;
    const version = state?.version ?? 0;
    const interaction = state?.interaction ?? target!.id;
    const increments = {
      count: { __op: 'Increment', amount: record.count - (state?.applied ?? 0) },
      calls: { __op: 'Increment', amount: record.calls - (state?.appliedCalls ?? 0) },
    };
    const next = { objectId: `${chain}v${version + 1}`, chain, version: version + 1, interaction, applied: record.count, appliedCalls: record.calls };
    const guard: BatchRequest = state
      ? { method: 'DELETE', path: `classes/${SYNC_CLASS}/${chain}v${version}` }
      : { method: 'POST', path: `classes/${SYNC_CLASS}`, body: { objectId: `${chain}v0`, chain, version: 0, interaction } };
    const write: BatchRequest =
      state || target!.exists
        ? { method: 'PUT', path: `classes/${INTERACTION_CLASS}/${interaction}`, body: increments }
        : { method: 'POST', path: `classes/${INTERACTION_CLASS}`, body: { objectId: interaction, ...interactionFields(record), ...increments } };
    return [guard, { method: 'POST', path: `classes/${SYNC_CLASS}`, body: next }, write];
  };

  /** One transactional batch; on success the chains' new states are known without reading them. */
  const sendGroup = async (states: Map<string, ChainState>, group: readonly Item[], targets: Map<string, Target>) => {
    const requests = group.flatMap((item) => shipmentOf(item, states.get(item.chain), targets.get(item.chain)));
    const results = await client.batch(requests, { transaction: true });
    // A transaction that failed answers 500; a 200 listing an error is not trusted as applied either.
    const failure = results.find((r) => 'error' in r);
    if (failure && 'error' in failure) throw new TollgateError('STORE_UNAVAILABLE', { message: `Parse Server did not apply a shipment: ${failure.error.error}` });
    for (const item of group) {
      const before = states.get(item.chain);
      const interaction = before?.interaction ?? targets.get(item.chain)!.id;
      states.set(item.chain, { version: (before?.version ?? 0) + 1, applied: item.record.count, appliedCalls: item.record.calls, interaction });
      existing.set(interaction, true);
    }
  };

  const pendingOf = (states: Map<string, ChainState>, items: readonly Item[]) =>
    items.filter((item) => {
      const state = states.get(item.chain);
      return !state || state.applied !== item.record.count || state.appliedCalls !== item.record.calls;
    });

  const ship = async (items: readonly Item[]) => {
    const states = new Map<string, ChainState>();
    let pending = items;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(20 * 2 ** attempt + Math.random() * 50);
      let targets: Map<string, Target>;
      try {
        await loadStates(states, pending);
        pending = pendingOf(states, pending).filter((i) => states.has(i.chain) || i.record.count !== 0 || i.record.calls !== 0);
        if (pending.length === 0) return;
        targets = await loadTargets(pending.filter((i) => !states.has(i.chain)));
      } catch (error) {
        lastError = error;
        continue;
      }
      // After a failed attempt, smaller groups: one contended tuple then aborts less with it.
      const size = Math.max(1, Math.floor(deps.batchSize / 2 ** attempt));
      const groups: Item[][] = [];
      for (let i = 0; i < pending.length; i += size) groups.push(pending.slice(i, i + size));
      const failed: Item[] = [];
      for (let i = 0; i < groups.length; i += PARALLEL_GROUPS) {
        await Promise.all(
          groups.slice(i, i + PARALLEL_GROUPS).map(async (group) => {
            try {
              await sendGroup(states, group, targets);
            } catch (error) {
              // Aborted by a concurrent shipper, or an answer that never came: the outcome is read
              // back from Parse, never assumed.
              lastError = error;
              for (const item of group) {
                states.delete(item.chain);
                existing.delete(targets.get(item.chain)?.id ?? '');
              }
              failed.push(...group);
            }
          }),
        );
      }
      pending = failed;
      if (pending.length === 0) return;
    }
    for (const item of pending) mark(item.tuple);
    const error = translateParseError(lastError, 'POST batch');
    logger.warn({ err: error, tuples: pending.length }, 'parse store: Interaction shipment failed; kept for the next flush');
    throw error;
  };

  const flushOnce = async () => {
    const taken = dirty;
    dirty = new Map();
    try {
      await ship(await loadItems(taken));
    } catch (error) {
      for (const tuple of taken.values()) mark(tuple);
      throw error instanceof TollgateError ? error : translateParseError(error, 'flush');
    }
  };

  let running: Promise<void> | null = null;
  const flush = async (): Promise<void> => {
    while (running) await running.catch(() => {});
    if (dirty.size === 0) return;
    running = flushOnce().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (dirty.size > 0 && !running) flush().catch(() => {});
  }, deps.flushIntervalMs);
  timer.unref();

  return {
    mark,
    async sweep(periods) {
      for (const { month, year } of periods) for (const record of await base.interactions({ month, year })) mark(record);
      await flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
