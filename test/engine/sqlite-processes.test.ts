import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/metering/system-clock.js';
import { createSqliteStore } from '../../src/stores/sqlite/index.js';
import { createWorld } from '../support/world.js';
import { expectLimitHeldAcrossProcesses } from './support/shared-limit.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite: one file shared by several processes', () => {
  it('10,000 mixed charges from 100 async callers here and 2 other processes, limit 5,000: nothing lost, never past the limit', async () => {
    const path = join(dir, 'shared.db');
    const clock = { ...systemClock, set() {}, advance() {} };
    const w = await createWorld(createSqliteStore({ path, clock }), { clock });
    await expectLimitHeldAcrossProcesses(w, { kind: 'sqlite', path });
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
