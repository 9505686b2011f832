import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-config.js';

const NAMES = ['ledger', 'read', 'load-periods', 'restore', 'unlock', 'announce', 'forget', 'instance'] as const;
export type ScriptName = (typeof NAMES)[number];

/** The Lua of scripts/, read once per process. */
const SOURCES = new Map<ScriptName, string>(NAMES.map((name) => [name, readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8')]));

export type RunScript = (name: ScriptName, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/**
 * Defines every script on a client with ioredis's defineCommand: it sends EVALSHA and, when the
 * server answers NOSCRIPT (a restart, a SCRIPT FLUSH, a failover), EVAL with the source, so scripts
 * survive the server losing them; a raw EVALSHA would fail from then on (STACK.md).
 */
export function defineScripts(client: RedisClient): RunScript {
  for (const [name, lua] of SOURCES) client.defineCommand(`tollgate_${name.replace('-', '_')}`, { lua });
  const commands = client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  return (name, keys, args) => commands[`tollgate_${name.replace('-', '_')}`]!.call(client, keys.length, ...keys, ...args);
}
