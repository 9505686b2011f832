/**
 * Tollgate as a library (package entry "tollgate"): the engine that meters any Node server, the
 * stores it runs on, tenancy, usage reports, and the outbox's dispatcher and billing helpers. The
 * HTTP server and the CLI are the `tollgate` command's, not part of this entry.
 */
export { createMeter, systemClock } from './metering/index.js';
export type { ChargeOptions, Decision, Granted, Meter, MeterOptions, Refused, ScopeUsage, TenantContext } from './metering/index.js';
export { createTenancy, createAdminKeys } from './tenancy/index.js';
export type { ApiKeyInput, IssuedApiKey, NamespaceInput, OrganizationInput, OrganizationUpdate, SubscriptionInput, Tenancy } from './tenancy/index.js';
export { createRamStore } from './stores/ram/index.js';
export { createSqliteStore } from './stores/sqlite/index.js';
export { createPostgresStore } from './stores/postgres/index.js';
export { createRedisStore } from './stores/redis/index.js';
export { createParseStore } from './stores/parse/index.js';
export type * from './stores/contract/index.js';
export { createUsageReports, summarizeUsage } from './analytics/index.js';
export type { UsageReport, UsageReports, UsageSummary } from './analytics/index.js';
export { parsePlans } from './core/plans.js';
export type { Plans } from './core/plans.js';
export { TollgateError } from './core/errors.js';
export * from './billing/index.js';
export { createOutboxDispatcher } from './billing/outbox-dispatcher.js';
export type { OutboxDispatcher, OutboxDispatcherOptions } from './billing/outbox-dispatcher.js';
