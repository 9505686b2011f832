import type { FastifyServerOptions } from 'fastify';
import { buildApp } from '../http/app.js';
import { createAdminKeys } from '../tenancy/index.js';
import type { Runtime } from './runtime.js';

/** The HTTP app over a runtime, with its admin keys: what `serve` listens with (and the benchmarks). */
export async function buildServerApp(runtime: Runtime, options: { logger?: FastifyServerOptions['logger']; metered?: boolean } = {}) {
  const { config } = runtime;
  const adminKeys = createAdminKeys({ settings: runtime.store.settings, keySecret: config.keySecret, configured: config.adminKey });
  const app = await buildApp({
    store: runtime.store,
    meter: runtime.meter,
    tenancy: runtime.tenancy,
    adminKeys,
    clock: runtime.clock,
    metering: config.metering,
    maxContentBytes: config.memory.maxContentBytes,
    maxFieldBytes: config.memory.maxFieldBytes,
    http: config.http,
    authThrottle: config.authThrottle,
    managementCallsPerMinute: config.managementCallsPerMinute,
    trustProxy: config.trustProxy,
    webhooks: { keySecret: config.keySecret, allowedHosts: config.webhookAllowedHosts },
    gateway: config.gateway,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.metered !== undefined ? { metered: options.metered } : {}),
  });
  return { app, adminKeys };
}
