import { startParseDevServer, type ParseDevServer } from '../../../parse/start-dev-server.js';
import type { Clock } from '../../../src/core/ports.js';
import type { Store } from '../../../src/stores/contract/index.js';
import { createParseClient, type ParseClient } from '../../../src/stores/parse/parse-client.js';
import { createParseStore, type ParseStoreConfig } from '../../../src/stores/parse/index.js';
import { setupParseSchema } from '../../../src/stores/parse/parse-schema.js';
import { createRamStore } from '../../../src/stores/ram/index.js';
import { describeWithPostgres } from '../../support/postgres.js';
import { TEST_KEY_SECRET } from '../../support/world.js';

/** The parse tests need PostgreSQL (Parse Server runs on it): skipped with the reason outside CI, failing under CI=true. */
export const describeWithParse = describeWithPostgres;

export interface ParseHarness {
  readonly server: ParseDevServer;
  readonly client: ParseClient;
  readonly connection: { serverUrl: string; appId: string; masterKey: string };
  /** A parse store over `base` (a fresh in-process store by default), shipping only when asked. */
  store(clock: Clock, options?: Partial<ParseStoreConfig>): Promise<Store>;
  /** Calls a Cloud function with the given headers (the master key unless others are given). */
  callFunction(name: string, params: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export async function startParseHarness(): Promise<ParseHarness> {
  const server = await startParseDevServer({ keySecret: TEST_KEY_SECRET });
  const connection = { serverUrl: server.serverUrl, appId: server.appId, masterKey: server.masterKey };
  const client = createParseClient(connection);
  // The setup test runs first and asserts what setup creates; a test run on its own (-t) sets up here.
  let setUp: Promise<unknown> | null = null;
  return {
    server,
    connection,
    client,
    async store(clock, options = {}) {
      await (setUp ??= setupParseSchema(client));
      return createParseStore({ ...connection, base: createRamStore({ clock }), clock, flushIntervalMs: 60_000, reconcileOnStart: false, ...options });
    },
    async callFunction(name, params, headers) {
      const response = await fetch(`${server.serverUrl}/functions/${name}`, {
        method: 'POST',
        headers: { 'X-Parse-Application-Id': server.appId, 'Content-Type': 'application/json', ...(headers ?? { 'X-Parse-Master-Key': server.masterKey }) },
        body: JSON.stringify(params),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}
