import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { periodOf } from '../../src/core/periods.js';
import { systemClock } from '../../src/metering/system-clock.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { createWorld } from '../support/world.js';
import { mixedCall } from './support/mixed-calls.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tollgate-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite: one file shared by several processes', () => {
  it('10,000 mixed charges from 100 async callers here and 2 other processes, limit 5,000: nothing lost, never past the limit', async () => {
    const path = join(dir, 'shared.db');
    const clock = { ...systemClock, set() {}, advance() {} };
    const w = await createWorld(createSqliteStore({ path, clock }), { clock });
    const { context, key } = await w.tenant({
      organization: { planTier: 'enterprise', rateLimits: { max_mini_interactions_per_month: 5000, rate_limit_per_minute: 1_000_000 } },
    });
    const script = fileURLToPath(new URL('./support/charge-process.ts', import.meta.url));
    const child = (calls: number, offset: number) =>
      run(process.execPath, ['--import', 'tsx', script, path, key, String(calls), '50', String(offset)], { maxBuffer: 1 << 20 }).then(
        (r) => JSON.parse(r.stdout) as { granted: number; grantedCost: number; refused: number },
      );

    let next = 0;
    let here = { granted: 0, grantedCost: 0, refused: 0 };
    const local = Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < 4000) {
          const call = mixedCall(next++);
          const d = await w.meter.charge(context, call.operation, { parameters: call.parameters });
          if (d.allowed) {
            here.granted++;
            here.grantedCost += d.cost;
          } else here.refused++;
        }
      }),
    );
    const [a, b] = await Promise.all([child(3000, 1), child(3000, 2), local]);
    const all = [here, a, b];
    const grantedCost = all.reduce((s, r) => s + r.grantedCost, 0);
    const calls = all.reduce((s, r) => s + r.granted + r.refused, 0);

    const period = periodOf(Date.now()).key;
    const [used] = await w.store.ledger.readCounters([{ scope: 'organization', scopeId: context.organization.id, metric: 'mini', period }]);
    expect(calls).toBe(10_000);
    expect(used).toBe(grantedCost);
    expect(used).toBeLessThanOrEqual(5000);
    expect(used).toBeGreaterThan(5000 - 12);
    // Each process got a share: the charges really interleaved.
    for (const r of all) expect(r.granted).toBeGreaterThan(0);
    const records = await w.store.log.interactions({ organizationId: context.organization.id });
    expect(records.reduce((s, r) => s + r.count, 0)).toBe(used);
    expect(records.reduce((s, r) => s + r.calls, 0)).toBe(all.reduce((s, r) => s + r.granted, 0));
    await w.close();
  });

  it('the plaintext of a key appears nowhere in the database files', async () => {
    const path = join(dir, 'secrets.db');
    const clock = { ...systemClock, set() {}, advance() {} };
    const w = await createWorld(createSqliteStore({ path, clock }), { clock });
    const { key, context } = await w.tenant();
    const org = await w.tenancy.issueOrganizationKey(context.organization.id, { name: 'org key' });
    await w.meter.charge(context, 'add_memory_v1', { idempotencyKey: 'x' });
    const files = [path, `${path}-wal`].filter(existsSync);
    const contents = Buffer.concat(files.map((f) => readFileSync(f)));
    const secretPart = (k: string) => k.split('_')[2]!;
    for (const k of [key, org.key]) {
      expect(contents.includes(Buffer.from(k))).toBe(false);
      expect(contents.includes(Buffer.from(secretPart(k)))).toBe(false);
    }
    // The visible prefix is stored (that is how the record is found), and so is its hash.
    expect(contents.includes(Buffer.from(context.apiKey.prefix))).toBe(true);
    expect(contents.includes(Buffer.from(context.apiKey.hash))).toBe(true);
    await w.close();
  });
});
