import { createOutboxDispatcher, type OutboxDispatcher } from '../billing/outbox-dispatcher.js';
import { METER_RETRY, WEBHOOK_RETRY } from '../billing/outbox-backoff.js';
import { createStripeMeterClient } from '../billing/stripe-meter-client.js';
import type { Logger } from '../core/ports.js';
import type { Runtime } from './runtime.js';

/** At most one usage.refused per organization this often. */
const REFUSAL_SUMMARY_INTERVAL_MS = 5 * 60_000;

/**
 * The dispatcher a server process runs (billing.dispatch): webhooks always, meter events when a
 * Stripe key is configured (until then they wait in the outbox, and are sent once it is).
 */
export function serverDispatcher(runtime: Runtime, logger: Logger): OutboxDispatcher | null {
  const { config, store, clock } = runtime;
  if (!config.billing.dispatch) return null;
  const { stripeSecretKey, stripeApiBase, stripeApi } = config.billing;
  return createOutboxDispatcher({
    outbox: store.outbox,
    webhooks: store.webhooks,
    keySecret: config.keySecret,
    sender: { allowedHosts: config.webhookAllowedHosts },
    meter: stripeSecretKey
      ? {
          client: createStripeMeterClient({ secretKey: stripeSecretKey, clock, ...(stripeApiBase ? { baseUrl: stripeApiBase } : {}) }),
          aggregation: config.metering.meterAggregation,
          api: stripeApi,
        }
      : null,
    clock,
    logger,
    leaseMs: config.billing.leaseMs,
    webhookRetry: { ...WEBHOOK_RETRY, baseMs: config.billing.retryBaseMs },
    meterRetry: { ...METER_RETRY, baseMs: Math.min(METER_RETRY.baseMs, config.billing.retryBaseMs) },
    refusalSummaries: { log: store.log, intervalMs: REFUSAL_SUMMARY_INTERVAL_MS },
  });
}
