import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isTollgateError } from '../../core/errors.js';
import type { Clock, Logger } from '../../core/ports.js';
import { holdingRefusalReasonOf } from '../../memory/index.js';
import type { Decision, Meter } from '../../metering/index.js';
import type { IdempotencyCache } from '../../stores/contract/index.js';
import type { HttpMetrics } from './metrics.js';
import { awaitStoredResponse, fingerprintOf, idempotencyKeyOf, responseToStore } from './idempotent-replay.js';
import { priceParametersOf } from './request-price.js';
import { setUsageHeaders } from './usage-headers.js';

export interface MeterPluginOptions {
  readonly meter: Meter;
  readonly idempotency: IdempotencyCache;
  readonly clock: Clock;
  readonly refundOnServerError: boolean;
  readonly idempotencyTtlMs: number;
  readonly metrics: HttpMetrics;
  readonly logger: Logger;
}

/**
 * Meters every route of its scope from the route's `operation` alone: prices the validated request,
 * charges before the handler, answers refusals (429/403/503) without running it, sets the usage
 * headers, replays idempotent retries, refunds a charge whose handler failed with a 5xx (or with a
 * 4xx, where the operation's catalogue entry says a call the caller made fail is refunded; and
 * always when the handler was refused by a holding limit). Handlers never call the meter.
 */
export const meterPlugin = fp(async (app: FastifyInstance, options: MeterPluginOptions) => {
  const { meter, clock } = options;
  app.decorateRequest('decision', null);
  app.decorateRequest('refusedFor', null);
  app.decorateRequest('chargeGivenBack', null);
  // One function for every request (not a closure per call): gives a granted call's charge back, at
  // most once whoever asks first, the answer's status (onSend) or a body that failed after it (the gateway).
  app.decorateRequest('giveBackCharge', function giveBackCharge(this: FastifyRequest, reason?: string): Promise<void> {
    const decision = this.decision;
    if (!decision?.allowed || decision.replayed || !decision.receipt) return Promise.resolve();
    return (this.chargeGivenBack ??= giveBack(decision, reason));
  });

  app.addHook('onRoute', (route) => {
    const operation = route.config?.operation;
    if (operation === null) return;
    if (operation === undefined) throw new Error(`route ${route.method} ${route.url} must declare config.operation (null for a free route)`);
    if (!meter.catalogue.has(operation)) throw new Error(`route ${route.method} ${route.url} names operation "${operation}", which is not in the catalogue`);
  });

  app.addHook('preHandler', async (request, reply) => {
    const operation = request.routeOptions.config.operation;
    if (!operation || !request.tenant) return;
    const spec = meter.catalogue.get(operation)!;
    const idempotencyKey = idempotencyKeyOf(request);
    const started = performance.now();
    const decision = await meter.charge(request.tenant, operation, {
      parameters: priceParametersOf(spec, request),
      ...(idempotencyKey ? { idempotencyKey, fingerprint: fingerprintOf(request) } : {}),
    });
    options.metrics.observeCharge(decision, (performance.now() - started) / 1000);
    request.decision = decision;
    setUsageHeaders(reply, decision, clock.now());
    if (!decision.allowed) throw decision.error;
    if (decision.replayed && idempotencyKey) {
      const stored = await awaitStoredResponse(options.idempotency, request.tenant.apiKey.id, idempotencyKey);
      reply.header('idempotent-replayed', 'true');
      for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value);
      return reply.code(stored.status).send(stored.body);
    }
  });

  const giveBack = async (decision: Decision, reason: string | undefined): Promise<void> => {
    try {
      await meter.refund(decision, reason);
      options.metrics.refunds.inc();
    } catch (err) {
      options.logger.error({ err, operation: decision.operation }, 'could not refund a failed call');
    }
  };

  /** The catalogue's rule for a charged call that ended in an error: a 5xx per configuration, a 4xx per operation. */
  const refundsOnStatus = (operation: string, status: number): boolean =>
    status >= 500 ? options.refundOnServerError : status >= 400 && meter.catalogue.get(operation)?.clientError === 'refund';

  // Runs before the error handler and onSend: a refused write is a refusal, never a charge.
  app.addHook('onError', async (request, _reply, error) => {
    if (request.decision?.allowed && isTollgateError(error)) request.refusedFor = holdingRefusalReasonOf(error);
  });

  // Settled before the answer leaves, so that a client reading its usage right after a failed call
  // never sees the charge that call is given back.
  app.addHook('onSend', async (request, reply, payload) => {
    const { decision, tenant, refusedFor } = request;
    if (!tenant || !decision?.allowed || decision.replayed || !decision.receipt) return payload;
    if (refusedFor || refundsOnStatus(decision.operation, reply.statusCode)) {
      await request.giveBackCharge(refusedFor ?? undefined);
      return payload;
    }
    const key = request.headers['idempotency-key'];
    if (typeof key === 'string' && reply.statusCode < 500) {
      const stored = responseToStore(reply.statusCode, reply.getHeaders(), payload);
      if (stored) await options.idempotency.putResponse(tenant.apiKey.id, key, stored, clock.now() + options.idempotencyTtlMs);
    }
    return payload;
  });
});
