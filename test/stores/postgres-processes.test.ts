import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { systemClock } from '../../src/metering/system-clock.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { expectLimitHeldAcrossProcesses } from '../engine/support/shared-limit.js';
import { DATABASE_URL, describeWithPostgres, dropSchema, randomSchema } from '../support/postgres.js';
import { createWorld } from '../support/world.js';

const schema = randomSchema('tollgate_processes');
const clock = { ...systemClock, set() {}, advance() {} };
const script = (name: string) => fileURLToPath(new URL(`./support/${name}`, import.meta.url));

await describeWithPostgres('postgres: one schema shared by several processes', () => {
  afterAll(() => dropSchema(schema));

  it('10,000 mixed charges from 100 async callers here and 2 other processes, limit 5,000: nothing lost, never past the limit', async () => {
    const w = await createWorld(await createPostgresStore({ connectionString: DATABASE_URL, schema, clock }), { clock });
    await expectLimitHeldAcrossProcesses(w, { kind: 'postgres', url: DATABASE_URL, schema });
    await w.close();
  });

  it('a key revoked here is refused by another process within a second (LISTEN/NOTIFY, not its poll)', async () => {
    const w = await createWorld(await createPostgresStore({ connectionString: DATABASE_URL, schema, clock }), { clock });
    const { context, key } = await w.tenant();
    const watcher = spawn(process.execPath, ['--import', 'tsx', script('postgres-watch-process.ts'), DATABASE_URL, schema, key], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: watcher.stdout })[Symbol.asyncIterator]();
    const nextLine = (withinMs: number) =>
      Promise.race([
        lines.next().then((r) => r.value as string | undefined),
        new Promise<string>((resolve) => setTimeout(() => resolve(`nothing within ${withinMs} ms`), withinMs).unref()),
      ]);
    try {
      expect(await nextLine(30_000)).toBe('ready');
      const revokedAt = performance.now();
      await w.tenancy.revokeApiKey(context.apiKey.id);
      expect(await nextLine(2000)).toBe('refused');
      expect(performance.now() - revokedAt).toBeLessThan(1000);
    } finally {
      watcher.kill();
      await w.close();
    }
  });
});
