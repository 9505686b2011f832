import type { Command } from 'commander';
import { loadConfig } from './load-config.js';
import { openRuntime, type Runtime } from './runtime.js';
import { jsonForTerminal } from './terminal-text.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Opens the runtime from the global options (--config, --data, --store), runs `work`, always closes. */
export async function withRuntime<T>(command: Command, io: CliIo, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const global = command.optsWithGlobals() as { config?: string; data?: string; store?: string };
  const overrides: Record<string, unknown> = {};
  if (global.data || global.store) overrides.store = { ...(global.data ? { sqlitePath: global.data } : {}), ...(global.store ? { kind: global.store } : {}) };
  const config = loadConfig({ env: io.env, overrides, ...(global.config ? { configPath: global.config } : {}) });
  const runtime = await openRuntime(config);
  for (const warning of runtime.warnings) io.err(`warning: ${warning}`);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

export function printJsonOr(io: CliIo, json: boolean | undefined, value: unknown, text: () => string): void {
  io.out(json ? jsonForTerminal(value) : text());
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Parses an integer option; throws a clear message naming the option. */
export function integerOption(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}
