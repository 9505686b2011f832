import { TollgateError } from '../../core/errors.js';
import type { ChargeResult, CounterRef, QuotaLedger, TenantDirectory } from '../contract/index.js';
import type { RedisSettings } from './redis-config.js';
import { guardedRedis } from './redis-errors.js';
import { decodeAnswer } from './redis-answer.js';
import { encodeGroup } from './redis-group.js';
import type { LedgerJob } from '../contract/index.js';
import { counterField, type RedisKeys } from './redis-keys.js';
import type { RedisLoader } from './redis-loader.js';
import { OrganizationQueue } from './redis-organization-queue.js';
import type { PendingEntries } from './redis-pending.js';
import type { RunScript } from './redis-scripts.js';
import type { StreamRegistry } from './redis-streams.js';

export interface RedisLedger extends QuotaLedger {
  close(): Promise<void>;
}

type Reply = (string | number)[];

/**
 * The QuotaLedger on Redis: each organization's jobs are grouped (redis-organization-queue.ts) and
 * decided by one ledger.lua call, which also appends their records to the organization's stream.
 * When the script answers that the organization's state is missing (lost or never loaded) or a
 * period's counters are, nothing has changed: the loader loads them and the group runs again.
 */
export function createRedisLedger(deps: {
  run: RunScript;
  keys: RedisKeys;
  loader: RedisLoader;
  pending: PendingEntries;
  registry: StreamRegistry;
  directory: TenantDirectory;
  settings: RedisSettings;
}): RedisLedger {
  const { run, keys, loader, pending, settings } = deps;

  const unavailable = (message: string) => new TollgateError('STORE_UNAVAILABLE', { message, details: { store: 'redis' } });

  const runGroup = async (organizationId: string, jobs: LedgerJob[]): Promise<(ChargeResult | null)[]> => {
    if (pending.isFull()) throw unavailable(`${pending.size} records wait for PostgreSQL, which is not taking them: new charges are refused until it does.`);
    const group = encodeGroup(keys.organization(organizationId), jobs);
    const deadline = performance.now() + settings.loadTimeoutMs;
    for (;;) {
      deps.registry.announce(organizationId);
      const answer = decodeAnswer(group, jobs, (await guardedRedis(() => run('ledger', group.keys, group.args))) as string | Reply);
      if (answer.kind === 'done') {
        if (answer.entry) {
          const records = answer.outcomes.split(' ').filter((o: string) => o !== '-').length;
          pending.add({ organizationId, epoch: answer.epoch, position: answer.entry, description: group.description, outcomes: answer.outcomes, records });
        }
        return answer.results;
      }
      if (performance.now() > deadline) throw unavailable(`The usage counters of organization ${organizationId} could not be loaded into Redis in time.`);
      await loader.load(organizationId, answer.kind === 'lost' ? { lost: true, periods: group.periods } : { lost: false, periods: answer.periods }, deadline);
    }
  };
  const queue = new OrganizationQueue(runGroup, settings.maxBatch, settings.maxGroupsInFlight);

  // A counter named without its organization: the directory knows whose scope it is (ids never move).
  const owners = new Map<string, string | null>();
  const organizationOf = async (ref: CounterRef): Promise<string | null> => {
    if (ref.organizationId !== undefined) return ref.organizationId;
    if (ref.scope === 'organization') return ref.scopeId;
    const id = `${ref.scope}\u0000${ref.scopeId}`;
    if (!owners.has(id)) {
      const owner = ref.scope === 'namespace' ? await deps.directory.getNamespace(ref.scopeId) : await deps.directory.getApiKey(ref.scopeId);
      if (owners.size >= 10_000) owners.clear();
      owners.set(id, owner?.organizationId ?? null);
    }
    return owners.get(id)!;
  };

  const readOrganization = async (organizationId: string, refs: readonly CounterRef[]): Promise<number[]> => {
    const k = keys.organization(organizationId);
    const periods = [...new Set(refs.map((ref) => ref.period))];
    const args = refs.flatMap((ref) => [periods.indexOf(ref.period) + 1, counterField(ref)]);
    const deadline = performance.now() + settings.loadTimeoutMs;
    for (;;) {
      const reply = (await guardedRedis(() => run('read', [k.marker, ...periods.map(k.period)], args))) as Reply;
      if (reply[0] === 'K') return reply.slice(1).map(Number);
      if (performance.now() > deadline) throw unavailable(`The usage counters of organization ${organizationId} could not be loaded into Redis in time.`);
      const need = reply[0] === 'L' ? { lost: true, periods } : { lost: false, periods: reply.slice(1).map((i) => periods[Number(i) - 1]!) };
      await loader.load(organizationId, need, deadline);
    }
  };

  return {
    charge: async (request) => (await queue.submit(request.attribution.organizationId, { kind: 'charge', request }))!,
    refund: async (request) => {
      await queue.submit(request.attribution.organizationId, { kind: 'refund', request });
    },
    recordRefusal: async (refusal) => {
      await queue.submit(refusal.attribution.organizationId, { kind: 'refusal', refusal });
    },
    async adjust(lines) {
      // Submitted in the caller's turn when every line names its organization, so that an
      // adjustment keeps its place among the jobs submitted around it.
      const known = lines.every((line) => line.counter.organizationId !== undefined);
      const byOrganization = new Map<string, typeof lines[number][]>();
      for (const line of lines) {
        const org = known ? line.counter.organizationId! : await organizationOf(line.counter);
        if (org === null) throw new TollgateError('NOT_FOUND', { message: `No organization has the ${line.counter.scope} ${line.counter.scopeId}.` });
        byOrganization.set(org, [...(byOrganization.get(org) ?? []), line]);
      }
      await Promise.all([...byOrganization].map(([org, mine]) => queue.submit(org, { kind: 'adjust', lines: mine })));
    },
    async readCounters(refs) {
      const values = new Array<number>(refs.length).fill(0);
      const byOrganization = new Map<string, number[]>();
      for (const [i, ref] of refs.entries()) {
        const org = await organizationOf(ref);
        // A scope no organization has was never charged.
        if (org !== null) byOrganization.set(org, [...(byOrganization.get(org) ?? []), i]);
      }
      await Promise.all(
        [...byOrganization].map(async ([org, indexes]) => {
          const read = await readOrganization(org, indexes.map((i) => refs[i]!));
          indexes.forEach((i, n) => (values[i] = read[n]!));
        }),
      );
      return values;
    },
    close: () => queue.drain(),
  };
}
