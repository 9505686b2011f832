/**
 * A Tollgate server for HTTP benchmarks, in its own process: argv = metered|unmetered, data dir.
 * Seeds one enterprise organization with 1,000 memories and prints `{ port, key }` as JSON.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/cli/load-config.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { buildServerApp } from '../../src/cli/server-app.js';
import { UNLIMITED_HOLDINGS } from '../../src/core/holdings.js';

const [mode, dir] = process.argv.slice(2);
const config = loadConfig({ env: { TOLLGATE_DATA: join(dir!, `${mode}.db`), TOLLGATE_SECRET_FILE: join(dir!, 'secret'), TOLLGATE_EVENTS: process.env.TOLLGATE_EVENTS ?? 'true' } });
const runtime = await openRuntime(config);
const org = await runtime.tenancy.createOrganization({ name: 'bench', planTier: 'enterprise', rateLimits: { rate_limit_per_minute: 1e9 } });
const ns = await runtime.tenancy.createNamespace(org.id, { name: 'bench' });
const issued = await runtime.tenancy.issueNamespaceKey(ns.id, { name: 'bench' });
await runtime.store.memories.insert(
  Array.from({ length: 1000 }, (_, i) => {
    const content = `note ${i} about topic t${i % 100} in area a${i % 37}: the quarterly numbers and the follow-up actions`;
    return { id: `mem_bench_${i}`, organizationId: org.id, namespaceId: ns.id, content, type: 'text', metadata: null, externalUserId: null, userId: null, extra: {}, bytes: content.length, createdAt: 0, updatedAt: 0 };
  }),
  UNLIMITED_HOLDINGS,
);
const { app } = await buildServerApp(runtime, { metered: mode === 'metered' });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ port: Number(new URL(address).port), key: issued.key }) + '\n');
process.on('SIGTERM', async () => {
  await app.close();
  await runtime.close();
  process.exit(0);
});
