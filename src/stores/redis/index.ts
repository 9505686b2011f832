/**
 * The Redis store (doc comment completed below).
 */
export { createRedisStore } from './redis-store.js';
export type { RedisClient, RedisStoreConfig } from './redis-config.js';
