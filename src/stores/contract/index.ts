/**
 * The one contract every store implements (sqlite, postgres, redis, parse, ram), as a bundle of
 * narrow parts. Engine code takes the part it uses, never the whole Store. Every implementation
 * passes the shared conformance suite in test/conformance.
 */
export * from './quota-ledger.js';
export * from './interaction-log.js';
export * from './record-sink.js';
export * from './tenant-directory.js';
export * from './idempotency-cache.js';
export * from './memories.js';
export * from './settings.js';
export * from './webhook-endpoints.js';
export * from './outbox.js';
export * from './store.js';
