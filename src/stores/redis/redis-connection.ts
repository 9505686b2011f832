import { Redis } from 'ioredis';
import type { RedisClient } from './redis-config.js';
import { guardedRedis } from './redis-errors.js';

/**
 * A connection that never lets a call hang or run twice: commands time out (commandTimeoutMs);
 * while disconnected they fail at once instead of waiting in an offline queue; a command in flight
 * when the connection drops fails rather than being sent again after reconnecting (a charge
 * script must not run twice). Reconnection goes on in the background, backing off up to a second.
 */
export async function connectRedis(url: string, commandTimeoutMs: number): Promise<RedisClient> {
  const client = new Redis(url, {
    lazyConnect: true,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 2000),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    // The store groups charges itself; auto-pipelining only added its own cost (bench/charge-redis.ts).
    enableAutoPipelining: false,
  });
  // Without a listener ioredis prints every failed reconnection; failures reach callers as errors.
  client.on('error', () => {});
  await guardedRedis(() => client.connect()).catch((error: unknown) => {
    client.disconnect();
    throw error;
  });
  return client as unknown as RedisClient;
}
