/**
 * Issue 20: last use of a key — what the operator is told when it cannot be written.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/core/ports.js';
import { createKeyToucher } from '../../src/metering/key-touch.js';
import type { TenantDirectory } from '../../src/stores/contract/index.js';
import { manualClock } from '../support/clock.js';

describe('last use of a key that cannot be written', () => {
  it('is logged as a warning with the error and how many keys were not written', async () => {
    const failure = new Error('store down');
    const directory = { touchApiKeys: async () => Promise.reject(failure) } as unknown as TenantDirectory;
    const warnings: [object, string | undefined][] = [];
    const logger: Logger = { ...silentLogger, warn: (obj, msg) => void warnings.push([obj, msg]) };
    const toucher = createKeyToucher({ directory, clock: manualClock(), intervalMs: 60_000, logger });
    toucher.touch('key_a');
    toucher.touch('key_b');
    await toucher.close();
    expect(warnings).toEqual([[{ err: failure, keys: 2 }, 'could not record last_used_at']]);
  });

  it('a key used again within the interval is not written again, even after a failed write', async () => {
    const clock = manualClock();
    const writes: string[][] = [];
    const directory = { touchApiKeys: async (t: { id: string }[]) => void writes.push(t.map((x) => x.id)) } as unknown as TenantDirectory;
    const toucher = createKeyToucher({ directory, clock, intervalMs: 60_000, logger: silentLogger });
    toucher.touch('key_a');
    await toucher.close();
    clock.advance(1);
    toucher.touch('key_a');
    toucher.touch('key_b');
    await toucher.close();
    expect(writes).toEqual([['key_a'], ['key_b']]);
  });
});
