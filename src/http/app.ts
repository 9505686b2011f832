import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import { createUsageReports } from '../analytics/index.js';
import { DEFAULT_AUTH_THROTTLE, DEFAULT_HTTP, DEFAULT_MANAGEMENT_CALLS_PER_MINUTE, type AuthThrottleConfig, type HttpConfig, type MeteringConfig } from '../core/config.js';
import type { Clock, Logger } from '../core/ports.js';
import { createMemoryService } from '../memory/index.js';
import { ok } from '../core/errors.js';
import { UNLIMITED_HOLDINGS } from '../core/holdings.js';
import type { Meter, TenantContext } from '../metering/index.js';
import type { Store } from '../stores/contract/index.js';
import { newId, type AdminKeys, type Tenancy } from '../tenancy/index.js';
import { createAuthFailures } from './auth-failures.js';
import { OPENAPI } from './openapi.js';
import { httpServerOptions } from './server-options.js';
import { createValidatorCompiler } from './validation.js';
import { authPlugin } from './plugins/auth.js';
import { authThrottlePlugin } from './plugins/auth-throttle.js';
import { managementRatePlugin } from './plugins/management-rate.js';
import { answerFrameworkError, errorsPlugin } from './plugins/errors.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { meterPlugin } from './plugins/meter.js';
import { createHttpMetrics, metricsPlugin } from './plugins/metrics.js';
import { generateRequestId, requestIdPlugin } from './plugins/request-id.js';
import { adminRoutes } from './routes/admin.js';
import { DASHBOARD_ROOT, dashboardRoutes } from './routes/dashboard.js';
import { docsRoutes } from './routes/docs.js';
import { feedbackRoutes } from './routes/feedback.js';
import { functionRoutes } from './routes/functions.js';
import { adminWebhookRoutes, webhookRoutes } from './routes/webhooks.js';
import { adminOutboxRoutes, deliveryRoutes } from './routes/outbox.js';
import { spendingCeilingRoutes } from './routes/spending-ceiling.js';
import { createWebhookEndpointService } from '../billing/webhook-endpoint-service.js';
import { healthRoutes } from './routes/health.js';
import { gatewayRoutes } from './routes/gateway.js';
import { gatewayEnabled, type GatewayConfig } from '../core/gateway-config.js';
import { PAPR_ROUTES } from '../gateway/papr-routes.js';
import { createUpstreamForwarder } from '../gateway/upstream-forwarder.js';
import { memoryRoutes } from './routes/memory.js';
import { namespaceRoutes } from './routes/namespace.js';
import { usageRoutes } from './routes/usage.js';
import './types.js';

export interface AppDeps {
  readonly store: Store;
  readonly meter: Meter;
  readonly tenancy: Tenancy;
  readonly adminKeys: AdminKeys;
  readonly clock: Clock;
  readonly metering: Pick<MeteringConfig, 'refundOnServerError' | 'idempotencyTtlMs'>;
  readonly maxContentBytes: number;
  /** What each other field a memory keeps may take as JSON (metadata, context, …); DEFAULT_MAX_FIELD_BYTES when absent. */
  readonly maxFieldBytes?: number;
  /**
   * false serves /v1 authenticated but unmetered: no charge, no limits, no records. Only for
   * measuring what metering costs (bench/http-metered.ts); the server always meters.
   */
  readonly metered?: boolean;
  /** The built dashboard (web/dist) served at /dashboard/; the build output of `npm run build:web` by default. */
  readonly dashboardRoot?: string;
  /** Fastify's logger option (pino); false by default. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How long a client may take over a request or sit idle (DEFAULT_HTTP when absent). */
  readonly http?: HttpConfig;
  /** How failed authentication is throttled (DEFAULT_AUTH_THROTTLE when absent). */
  readonly authThrottle?: AuthThrottleConfig;
  /** Calls an organization may make per minute to the free management and report routes; 0: no limit (DEFAULT_MANAGEMENT_CALLS_PER_MINUTE when absent). */
  readonly managementCallsPerMinute?: number;
  /** The proxies whose X-Forwarded-For gives request.ip (Config.trustProxy); none when absent. */
  readonly trustProxy?: string | null;
  /** Webhook endpoints: the key their signing secrets are sealed under, and the hosts they may point at (null: any public host). */
  readonly webhooks: { readonly keySecret: string; readonly allowedHosts: readonly string[] | null; readonly maxEndpoints?: number };
  /** Gateway mode (issue 14): the upstream the routes table's routes are forwarded to; absent or without an upstream: none. */
  readonly gateway?: GatewayConfig;
}

/** The whole HTTP surface, assembled from its dependencies. It never listens: the CLI does. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    logger: deps.logger ?? false,
    genReqId: generateRequestId,
    // A batch of 50 memories of 15,000 bytes, with room for their metadata.
    bodyLimit: 4 * 1024 * 1024,
    frameworkErrors: answerFrameworkError,
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
    ...httpServerOptions(deps.http ?? DEFAULT_HTTP),
  });
  app.setValidatorCompiler(createValidatorCompiler());
  const logger: Logger = app.log;
  const metrics = createHttpMetrics();
  const memory = createMemoryService({ memories: deps.store.memories, feedback: deps.store.feedback, clock: deps.clock, newId, maxContentBytes: deps.maxContentBytes, ...(deps.maxFieldBytes ? { maxFieldBytes: deps.maxFieldBytes } : {}) });
  // One count for every scope: a client failing on /admin is the same client on /v1.
  const authFailures = createAuthFailures({ clock: deps.clock, config: deps.authThrottle ?? DEFAULT_AUTH_THROTTLE });
  const webhooks = createWebhookEndpointService({ store: deps.store.webhooks, keySecret: deps.webhooks.keySecret, clock: deps.clock, newId: () => newId('wh'), allowedHosts: deps.webhooks.allowedHosts, ...(deps.webhooks.maxEndpoints ? { maxEndpoints: deps.webhooks.maxEndpoints } : {}) });
  const gateway = deps.gateway && gatewayEnabled(deps.gateway) ? deps.gateway : null;
  const reports = createUsageReports({ log: deps.store.log, directory: deps.store.directory, plans: deps.meter.plans, clock: deps.clock });

  await app.register(swagger, { openapi: OPENAPI as Parameters<typeof swagger>[1] extends infer O ? (O extends { openapi?: infer D } ? D : never) : never });
  await app.register(docsRoutes);
  await app.register(errorsPlugin);
  await app.register(jsonBodyPlugin, { maxContentBytes: deps.maxContentBytes });
  await app.register(requestIdPlugin);
  await app.register(metricsPlugin, { metrics });
  await app.register(healthRoutes, { store: deps.store });

  await app.register(
    async (v1) => {
      await v1.register(authThrottlePlugin, { failures: authFailures });
      await v1.register(authPlugin, { meter: deps.meter, adminKeys: deps.adminKeys });
      await v1.register(managementRatePlugin, { clock: deps.clock, perMinute: deps.managementCallsPerMinute ?? DEFAULT_MANAGEMENT_CALLS_PER_MINUTE });
      if (deps.metered !== false) {
        await v1.register(meterPlugin, {
          meter: deps.meter,
          idempotency: deps.store.idempotency,
          clock: deps.clock,
          refundOnServerError: deps.metering.refundOnServerError,
          idempotencyTtlMs: deps.metering.idempotencyTtlMs,
          metrics,
          logger,
        });
      }
      // Unmetered (a benchmark of the bare API) means no limits at all, holdings' included.
      const holdingLimits = deps.metered === false ? () => ok(UNLIMITED_HOLDINGS) : (tenant: TenantContext) => deps.meter.holdingLimits(tenant);
      // With an upstream, the memory API is the upstream's unless a prefix is kept here (gateway.hosted).
      const hosts = (prefix: string) => !gateway || gateway.hosted.some((h) => h === prefix || h.startsWith(`${prefix}/`) || prefix.startsWith(`${h}/`));
      if (hosts('/v1/memory')) await v1.register(memoryRoutes, { memory, holdingLimits });
      if (hosts('/v1/feedback')) await v1.register(feedbackRoutes, { memory, holdingLimits });
      await v1.register(namespaceRoutes, { tenancy: deps.tenancy, memory });
      await v1.register(usageRoutes, { directory: deps.store.directory, reports });
      await v1.register(webhookRoutes, { webhooks });
      await v1.register(deliveryRoutes, { outbox: deps.store.outbox, endpoints: deps.store.webhooks });
      await v1.register(spendingCeilingRoutes, { tenancy: deps.tenancy, plans: deps.meter.plans, clock: deps.clock });
      if (gateway) {
        const forwarder = createUpstreamForwarder(gateway, () => deps.clock.now());
        app.addHook('onClose', () => forwarder.close());
        await v1.register(gatewayRoutes, {
          routes: PAPR_ROUTES,
          forwarder,
          catalogue: deps.meter.catalogue,
          unknownRoutes: gateway.unknownRoutes,
          isServed: (method, url) => v1.hasRoute({ method, url }),
        });
      }
    },
    { prefix: '/v1' },
  );

  await app.register(
    async (admin) => {
      await admin.register(authThrottlePlugin, { failures: authFailures });
      await admin.register(authPlugin, { meter: deps.meter, adminKeys: deps.adminKeys, caller: 'admin' });
      await admin.register(adminRoutes, { tenancy: deps.tenancy, plans: deps.meter.plans, reports, directory: deps.store.directory });
      await admin.register(adminWebhookRoutes, { webhooks, tenancy: deps.tenancy });
      await admin.register(adminOutboxRoutes, { outbox: deps.store.outbox, endpoints: deps.store.webhooks, tenancy: deps.tenancy, clock: deps.clock });
    },
    { prefix: '/admin' },
  );

  await app.register(async (functions) => {
    await functions.register(authThrottlePlugin, { failures: authFailures });
    await functions.register(authPlugin, { meter: deps.meter, adminKeys: deps.adminKeys, caller: 'api_key_or_admin' });
    await functions.register(functionRoutes, { directory: deps.store.directory, reports });
  });
  await app.register(dashboardRoutes, { root: deps.dashboardRoot ?? DASHBOARD_ROOT });
  return app;
}
