import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../../metering/index.js';

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;

/** Prometheus metrics of one app, in its own registry (no global state). */
export function createHttpMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_process_' });
  const requests = new Counter({
    name: 'tollgate_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const charges = new Counter({
    name: 'tollgate_charges_total',
    help: 'Charge decisions by outcome (granted, replayed, refused, fail_open) and reason (error code)',
    labelNames: ['outcome', 'reason', 'operation'] as const,
    registers: [registry],
  });
  const chargeSeconds = new Histogram({
    name: 'tollgate_charge_duration_seconds',
    help: 'Time to decide and commit a charge',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const refunds = new Counter({ name: 'tollgate_refunds_total', help: 'Charges given back: the call failed with a server error, or with a client error its operation refunds', registers: [registry] });
  return {
    registry,
    requests,
    refunds,
    observeCharge(decision: Decision, seconds: number) {
      const outcome = decision.allowed ? (decision.failOpen ? 'fail_open' : decision.replayed ? 'replayed' : 'granted') : 'refused';
      charges.inc({ outcome, reason: decision.allowed ? '' : decision.error.code, operation: decision.operation });
      chargeSeconds.observe(seconds);
    },
  };
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: { metrics: HttpMetrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    options.metrics.requests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
});
