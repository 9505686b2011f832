/**
 * Sends meter events to Stripe with its official SDK, and says what came of each attempt
 * (meter-delivery.ts). Two ways in:
 * - v1 `POST /v1/billing/meter_events`: one event per request, form-encoded, checked as it is
 *   received; about 1,000 requests/s and one concurrent request per customer per meter.
 * - v2 meter event stream: a session (`POST /v2/billing/meter_event_session`, secret key) gives a
 *   15-minute token, then `POST /v2/billing/meter_event_stream` takes up to 100 JSON events per
 *   request, about 10,000 requests/s. Events are checked after they are accepted: a bad or repeated
 *   event is reported by Stripe later (v1.billing.meter.error_report_triggered), not in the answer.
 *
 * The SDK's own retries are off (maxNetworkRetries 0): the dispatcher owns retries, backoff and
 * dead letters. Nothing here reaches the network but the configured API address.
 */
import Stripe from 'stripe';
import { TollgateError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { createMeterEventSessionCache, type MeterEventSessionCache } from './meter-event-session.js';
import { DELIVERED, deliveryOfFailure, type MeterDelivery } from './meter-delivery.js';
import { toStreamEvent, type StripeMeterEvent } from './meter-events.js';

export const METER_EVENT_STREAM_MAX_BATCH = 100;

export interface StripeMeterClientOptions {
  /** A secret key (`sk_live_…`, `sk_test_…`) or a restricted key allowed to write meter events. */
  readonly secretKey: string;
  /** Where the API answers, e.g. `http://127.0.0.1:4010` for a fake; Stripe's own hosts when absent. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

export interface StripeMeterClient {
  /** v1: one event. */
  sendEvent(event: StripeMeterEvent): Promise<MeterDelivery>;
  /**
   * v1, several events: at most `concurrency` requests at once, and never two at once for one
   * (customer, event name), as Stripe asks. After a retryable or unauthorized answer, the rest of
   * that customer's events for that meter get the same outcome without being sent.
   * Outcomes come back in the order of `events`.
   */
  sendEvents(events: readonly StripeMeterEvent[], options?: { readonly concurrency?: number }): Promise<MeterDelivery[]>;
  /** v2 stream: 1 to 100 events in one request; `delivered` means accepted for Stripe's checks. */
  sendStreamBatch(events: readonly StripeMeterEvent[]): Promise<MeterDelivery>;
  /**
   * What Stripe holds for a customer on the meter of `eventName` in [startSeconds, endSeconds): the
   * meter's event summary (its aggregated value). Null when the account has no such meter.
   */
  summarize(customerId: string, eventName: string, startSeconds: number, endSeconds: number): Promise<number | null>;
}

const systemClock: Clock = { now: () => Date.now() };

export function createStripeMeterClient(options: StripeMeterClientOptions): StripeMeterClient {
  const clock = options.clock ?? systemClock;
  const stripe = new Stripe(options.secretKey, { ...addressOf(options.baseUrl), maxNetworkRetries: 0, telemetry: false, timeout: options.timeoutMs ?? 20_000 });
  const session = createMeterEventSessionCache(async () => {
    const created = await stripe.v2.billing.meterEventSession.create();
    return { token: created.authentication_token, expiresAtMs: Date.parse(created.expires_at) };
  }, clock);

  async function sendEvent(event: StripeMeterEvent): Promise<MeterDelivery> {
    try {
      await stripe.billing.meterEvents.create({
        event_name: event.event_name,
        identifier: event.identifier,
        timestamp: event.timestamp,
        payload: { ...event.payload },
      });
      return DELIVERED;
    } catch (error) {
      return deliveryOfFailure(error, clock.now());
    }
  }

  return {
    sendEvent,
    sendEvents: (events, sendOptions) => sendPerMeter(events, sendEvent, sendOptions?.concurrency ?? 4),
    sendStreamBatch: (events) => sendStreamBatch(stripe, session, events, clock),
    async summarize(customerId, eventName, startSeconds, endSeconds) {
      let meterId: string | null = null;
      for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
        if (meter.event_name === eventName) {
          meterId = meter.id;
          break;
        }
      }
      if (meterId === null) return null;
      let total = 0;
      for await (const summary of stripe.billing.meters.listEventSummaries(meterId, { customer: customerId, start_time: startSeconds, end_time: endSeconds })) total += summary.aggregated_value;
      return total;
    },
  };
}

async function sendStreamBatch(stripe: Stripe, session: MeterEventSessionCache, events: readonly StripeMeterEvent[], clock: Clock): Promise<MeterDelivery> {
  if (events.length === 0 || events.length > METER_EVENT_STREAM_MAX_BATCH) {
    throw new TollgateError('VALIDATION_FAILED', { message: `A meter event stream request carries 1 to ${METER_EVENT_STREAM_MAX_BATCH} events, not ${events.length}.` });
  }
  const body = { events: events.map(toStreamEvent) };
  for (let attempt = 0; ; attempt++) {
    try {
      await stripe.v2.billing.meterEventStream.create(body, { apiKey: await session.token() });
      return DELIVERED;
    } catch (error) {
      // A token can expire between our check and Stripe's: renew it once and resend.
      if (attempt === 0 && error instanceof Stripe.errors.TemporarySessionExpiredError) {
        session.invalidate();
        continue;
      }
      return deliveryOfFailure(error, clock.now());
    }
  }
}

async function sendPerMeter(events: readonly StripeMeterEvent[], send: (event: StripeMeterEvent) => Promise<MeterDelivery>, concurrency: number): Promise<MeterDelivery[]> {
  const outcomes = new Array<MeterDelivery>(events.length);
  const queues = new Map<string, number[]>();
  events.forEach((event, index) => {
    const key = JSON.stringify([event.payload.stripe_customer_id, event.event_name]);
    const queue = queues.get(key);
    if (queue) queue.push(index);
    else queues.set(key, [index]);
  });
  const pending = [...queues.values()];
  const worker = async () => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      let stop: MeterDelivery | null = null;
      for (const index of queue) {
        const outcome: MeterDelivery = stop ?? (await send(events[index]!));
        outcomes[index] = outcome;
        if (outcome.outcome === 'retryable' || outcome.outcome === 'unauthorized') stop = outcome;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  return outcomes;
}

function addressOf(baseUrl: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (baseUrl === undefined) return {};
  const url = URL.parse(baseUrl);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TollgateError('CONFIG_INVALID', { message: `The Stripe API address must be an http(s) URL, got ${JSON.stringify(baseUrl)}.` });
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}
