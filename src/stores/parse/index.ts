/**
 * The parse store: tenants and Interaction records in an existing Parse Server deployment
 * (MongoDB or PostgreSQL behind it), quota in Tollgate's own store.
 *
 * Guarantees:
 * - Quota is decided by the base store handed in (sqlite, postgres or redis): every QuotaLedger
 *   rule, its durability and whether it is shared across processes are the base store's.
 * - Interaction records in Parse have the existing form (Pointer JSON for workspace, user,
 *   subscription, company, organization, namespace, apiKey; type, month, year, count,
 *   operation_type; plus calls), one record per tuple even when first calls race (deterministic
 *   objectIds), `count` changed only by Increment, shipped through transactional POST /batch.
 * - Every recorded interaction reaches Parse exactly once, across crashes, lost answers and any
 *   number of processes sharing the base store (parse-interactions.ts has the argument).
 * - Parse's counts trail the base store by about flushIntervalMs; `log.interactions()` ships first.
 *
 * Limits: one Parse write per changed tuple per flush, not per call; API keys kept in Parse must
 * carry Tollgate's prefix and keyed hash (keys written before Tollgate are not accepted); tenant
 * changes made outside this process are seen within changePollMs.
 *
 * What must run: Parse Server with `allowCustomObjectId: true` and transactions (PostgreSQL, or
 * MongoDB as a replica set), the master key allowed from Tollgate's address (masterKeyIps), and
 * `tollgate parse setup` once. docs/parse.md has the field mapping and the operator's checklist.
 */
export { createParseStore } from './parse-store.js';
export type { ParseFetch, ParseStoreConfig } from './parse-config.js';
