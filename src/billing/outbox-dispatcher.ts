/**
 * Delivers the outbox: webhooks to organizations' endpoints (signed, Standard Webhooks) and usage to
 * the billing provider's meter API. Every server process may run one: entries are leased, so two
 * dispatchers never send one entry at once, and an entry a crashed dispatcher held comes back when
 * its lease runs out. Delivery is at least once; the event id (webhook-id, the meter identifier)
 * is the same on every attempt, so receivers deduplicate.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../core/ports.js';
import { silentLogger } from '../core/ports.js';
import type { InteractionLog, Outbox, OutboxEntry, OutboxOutcome, WebhookEndpoint, WebhookEndpoints } from '../stores/contract/index.js';
import { summarizeRefusals } from './refusal-summaries.js';
import type { MeterDelivery } from './meter-delivery.js';
import { DEFAULT_METER_EVENT_NAMES, type MeterAggregation, type MeterEventNames, type StripeMeterEvent } from './meter-events.js';
import { isSumEntry, meterEventOf, planMeterMerges } from './meter-outbox.js';
import { METER_RETRY, WEBHOOK_RETRY, nextAttemptAt, type RetryPolicy } from './outbox-backoff.js';
import { createSecretSeal } from './secret-seal.js';
import { METER_EVENT_STREAM_MAX_BATCH, type StripeMeterClient } from './stripe-meter-client.js';
import { webhookBody } from './webhook-body.js';
import { createWebhookSender, type WebhookSend, type WebhookSenderOptions } from './webhook-sender.js';
import { signWebhook } from './webhook-signature.js';

export interface MeterDispatch {
  readonly client: StripeMeterClient;
  readonly aggregation: MeterAggregation;
  /** v1: one request per event; stream: the v2 meter event stream, up to 100 events per request. */
  readonly api: 'v1' | 'stream';
  readonly eventNames?: MeterEventNames;
}

export interface OutboxDispatcherOptions {
  readonly outbox: Outbox;
  readonly webhooks: Pick<WebhookEndpoints, 'get' | 'organizationsWanting'>;
  /** The server's key secret: endpoint signing secrets are sealed under it. */
  readonly keySecret: string;
  readonly sender?: WebhookSenderOptions;
  /** Null: meter events wait in the outbox until billing is configured. */
  readonly meter: MeterDispatch | null;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** This dispatcher's name in leases; random per process when absent. */
  readonly owner?: string;
  readonly leaseMs?: number;
  /** Entries leased per round. */
  readonly batchSize?: number;
  /** Webhooks sent at once. */
  readonly concurrency?: number;
  /** Pause between rounds that found nothing to do. */
  readonly idleMs?: number;
  readonly webhookRetry?: RetryPolicy;
  readonly meterRetry?: RetryPolicy;
  readonly random?: () => number;
  /** Summaries of refused calls (usage.refused) are written from these refusal counts, every `intervalMs`. */
  readonly refusalSummaries?: { readonly log: Pick<InteractionLog, 'refusals'>; readonly intervalMs: number };
}

export interface DispatchRound {
  readonly delivered: number;
  readonly retrying: number;
  readonly failed: number;
  readonly merged: number;
}

export interface OutboxDispatcher {
  /** One round over both topics; resolves when every leased entry is settled. */
  runOnce(): Promise<DispatchRound>;
  /** Rounds until stop(): back to back while there is work, `idleMs` apart when there is none. */
  start(): void;
  /** Ends the loop after the round in flight. */
  stop(): Promise<void>;
}

export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const owner = options.owner ?? `dispatcher-${randomUUID()}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 8;
  const idleMs = options.idleMs ?? 1_000;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const seal = createSecretSeal(options.keySecret, 'webhook secrets');
  const sender = createWebhookSender(options.sender ?? { allowedHosts: null });
  const names = options.meter?.eventNames ?? DEFAULT_METER_EVENT_NAMES;
  const clock = options.clock;

  const retryOrFail = (entry: OutboxEntry, policy: RetryPolicy, error: string, status: number | null, atLeastMs = 0): OutboxOutcome => {
    const now = clock.now();
    const at = nextAttemptAt(policy, entry.attempts, entry.createdAtMs, now, random(), atLeastMs);
    return at === null
      ? { id: entry.id, state: 'failed', error: `gave up after ${entry.attempts} attempts: ${error}`, status }
      : { id: entry.id, state: 'pending', availableAtMs: at, error, status };
  };

  async function deliverWebhooks(): Promise<OutboxOutcome[]> {
    const entries = await options.outbox.lease({ topic: 'webhook', owner, nowMs: clock.now(), leaseMs, limit: batchSize });
    const endpoints = new Map<string, Promise<WebhookEndpoint | null>>();
    const endpointOf = (e: OutboxEntry) => {
      const key = `${e.organizationId}\u0000${e.endpointId}`;
      let found = endpoints.get(key);
      if (!found) endpoints.set(key, (found = options.webhooks.get(e.organizationId, e.endpointId ?? '')));
      return found;
    };
    const deliver = async (entry: OutboxEntry): Promise<OutboxOutcome> => {
      const endpoint = await endpointOf(entry);
      if (!endpoint) return { id: entry.id, state: 'failed', error: 'the webhook endpoint was deleted', status: null };
      const secret = seal.open(endpoint.sealedSecret);
      if (secret === null) return { id: entry.id, state: 'failed', error: 'the endpoint secret cannot be opened with this server key secret', status: null };
      const body = webhookBody(entry);
      const headers = signWebhook({ id: entry.eventId, timestampSeconds: Math.floor(clock.now() / 1000), payload: body }, secret);
      const sent: WebhookSend = await sender.send(endpoint.url, headers, body);
      if (sent.outcome === 'delivered') return { id: entry.id, state: 'delivered', atMs: clock.now(), status: sent.status };
      if (sent.outcome === 'refused') return { id: entry.id, state: 'failed', error: sent.error, status: null };
      return retryOrFail(entry, options.webhookRetry ?? WEBHOOK_RETRY, sent.error, sent.status, sent.retryAfterMs ?? 0);
    };
    return mapBounded(entries, concurrency, async (entry) => {
      try {
        return await deliver(entry);
      } catch (error) {
        logger.error({ err: error, outbox_id: entry.id }, 'webhook delivery failed unexpectedly');
        return retryOrFail(entry, options.webhookRetry ?? WEBHOOK_RETRY, error instanceof Error ? error.message : String(error), null);
      }
    });
  }

  async function deliverMeterEvents(): Promise<{ outcomes: OutboxOutcome[]; merged: number }> {
    const meter = options.meter;
    if (!meter) return { outcomes: [], merged: 0 };
    const entries = await options.outbox.lease({ topic: 'meter', owner, nowMs: clock.now(), leaseMs, limit: batchSize });
    const outcomes: OutboxOutcome[] = [];
    let merged = 0;
    let ready = entries;
    if (meter.aggregation === 'per_minute') {
      const plan = planMeterMerges(
        entries.filter((e) => !isSumEntry(e)),
        clock.now(),
        names,
      );
      merged = plan.merges.length > 0 ? await options.outbox.merge(owner, plan.merges) : 0;
      for (const id of plan.nothingToSend) outcomes.push({ id, state: 'delivered', atMs: clock.now(), status: null });
      ready = entries.filter(isSumEntry);
    }
    const sendable: { entry: OutboxEntry; event: StripeMeterEvent }[] = [];
    for (const entry of ready) {
      const event = meterEventOf(entry, names);
      if (event) sendable.push({ entry, event });
      else outcomes.push({ id: entry.id, state: 'delivered', atMs: clock.now(), status: null });
    }
    const results = await sendMeterEvents(meter, sendable.map((s) => s.event));
    sendable.forEach(({ entry }, i) => outcomes.push(meterOutcome(entry, results[i]!)));
    return { outcomes, merged };
  }

  const meterOutcome = (entry: OutboxEntry, result: MeterDelivery): OutboxOutcome => {
    const policy = options.meterRetry ?? METER_RETRY;
    switch (result.outcome) {
      case 'delivered':
        return { id: entry.id, state: 'delivered', atMs: clock.now(), status: 200 };
      case 'retryable':
        return retryOrFail(entry, policy, result.message, result.status, result.retryAfterMs ?? 0);
      case 'unauthorized':
        // The key is wrong, not the event: keep it until the key is fixed, at the slowest pace.
        return retryOrFail(entry, policy, `the billing provider refused the key: ${result.message}`, result.status, policy.capMs);
      case 'rejected':
        return { id: entry.id, state: 'failed', error: `rejected: ${result.message}`, status: result.status };
    }
  };

  let summarizedAt = -Infinity;
  async function runOnce(): Promise<DispatchRound> {
    const summaries = options.refusalSummaries;
    if (summaries && clock.now() - summarizedAt >= summaries.intervalMs) {
      summarizedAt = clock.now();
      await summarizeRefusals({ log: summaries.log, outbox: options.outbox, webhooks: options.webhooks, clock });
    }
    const webhook = await deliverWebhooks();
    const meter = await deliverMeterEvents();
    const outcomes = [...webhook, ...meter.outcomes];
    if (outcomes.length > 0) await options.outbox.settle(owner, outcomes);
    const count = (state: OutboxOutcome['state']) => outcomes.filter((o) => o.state === state).length;
    return { delivered: count('delivered'), retrying: count('pending'), failed: count('failed'), merged: meter.merged };
  }

  let running: Promise<void> | null = null;
  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = async () => {
    while (!stopping) {
      let busy = false;
      try {
        const round = await runOnce();
        busy = round.delivered + round.retrying + round.failed + round.merged > 0;
      } catch (error) {
        logger.warn({ err: error }, 'outbox dispatch round failed; trying again');
      }
      if (!busy && !stopping) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, idleMs).unref()));
    }
  };
  return {
    runOnce,
    start() {
      stopping = false;
      running ??= loop().finally(() => (running = null));
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}

async function sendMeterEvents(meter: MeterDispatch, events: readonly StripeMeterEvent[]): Promise<MeterDelivery[]> {
  if (events.length === 0) return [];
  if (meter.api === 'v1') return meter.client.sendEvents(events);
  const results: MeterDelivery[] = [];
  for (let i = 0; i < events.length; i += METER_EVENT_STREAM_MAX_BATCH) {
    const batch = events.slice(i, i + METER_EVENT_STREAM_MAX_BATCH);
    const result = await meter.client.sendStreamBatch(batch);
    for (let k = 0; k < batch.length; k++) results.push(result);
  }
  return results;
}

async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
