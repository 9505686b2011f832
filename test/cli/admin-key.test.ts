/**
 * The admin key opens every organization: one the operator sets is at least 32 characters, or
 * `tollgate serve` refuses to start, naming TOLLGATE_ADMIN_KEY.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRamStore } from '../../src/stores/ram/index.js';
import { ADMIN_KEY_MIN_LENGTH, createAdminKeys } from '../../src/tenancy/index.js';
import { manualClock } from '../support/clock.js';
import { TEST_KEY_SECRET } from '../support/world.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-admin-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tollgate serve` with this admin key: its exit code and what it printed (killed after 30 s if it serves instead). */
function serve(adminKey: string): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', TOLLGATE_DATA: join(dir, `${adminKey.length}.db`), TOLLGATE_CONFIG: '', TOLLGATE_ADMIN_KEY: adminKey };
  for (const name of ['TOLLGATE_KEY_SECRET', 'TOLLGATE_SECRET_FILE', 'TOLLGATE_STORE', 'TOLLGATE_PG_SCHEMA']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'serve', '--log', 'warn'], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, output: stdout + stderr });
    });
  });
}

const keys = (configured: string | null) => createAdminKeys({ settings: createRamStore({ clock: manualClock() }).settings, keySecret: TEST_KEY_SECRET, configured });

describe('the admin key', () => {
  it('is at least 32 characters when the operator sets it; a generated one is longer', async () => {
    expect(ADMIN_KEY_MIN_LENGTH).toBe(32);
    expect(() => keys('k'.repeat(31))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^TOLLGATE_ADMIN_KEY \(adminKey\): must be at least 32 characters, got 31/) }));
    const exact = 'k'.repeat(32);
    expect(await keys(exact).verify(exact)).toBe(true);
    const generated = await keys(null).ensure();
    expect(generated!.length).toBeGreaterThanOrEqual(32);
  });

  it('tollgate serve refuses to start with a shorter one, naming TOLLGATE_ADMIN_KEY', async () => {
    for (const adminKey of ['sixteen-chars-ok', 'thirty-one-characters-long-key!']) {
      const refused = await serve(adminKey);
      expect(refused.code, refused.output).toBe(2);
      // Configuration is checked as a whole at start: the problem is listed with any others.
      expect(refused.output).toMatch(/error CONFIG_INVALID: /);
      expect(refused.output).toMatch(new RegExp(`TOLLGATE_ADMIN_KEY \\(adminKey\\): must be at least 32 characters, got ${adminKey.length}`));
      expect(refused.output).not.toContain(adminKey);
      expect(refused.output).not.toMatch(/serving on/);
    }
  });
});
