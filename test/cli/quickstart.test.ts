import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README quickstart', () => {
  it('`npm start` on an empty directory serves, prints a key and a curl line that works, and stops cleanly on SIGTERM', async () => {
    const env = { ...process.env, PORT: '0', TOLLGATE_DATA: '', TOLLGATE_ADMIN_KEY: '', TOLLGATE_CONFIG: '' };
    const server = spawn(process.execPath, [BIN, 'serve', '--log', 'warn'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout.on('data', (chunk) => (output += chunk));
    server.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => output, { timeout: 20_000, interval: 100 }).toMatch(/curl -s .*\n/);
      expect(output).toMatch(/Tollgate is serving on http:\/\/localhost:\d+ \(store: sqlite at \.\/data\/tollgate\.db\)/);
      expect(output).toMatch(/Admin key \(shown once; send it as X-Admin-Key\): tga_\w+/);
      expect(output).toMatch(/Demo API key \(shown once\): tg_\w+/);
      const curl = /^\s*(curl -s .*)$/m.exec(output)![1]!;
      const { stdout } = await promisify(execFile)('sh', ['-c', curl]);
      const answer = JSON.parse(stdout);
      expect(answer).toMatchObject({ code: 200, status: 'success', data: [{ memoryId: expect.stringMatching(/^mem_/) }] });
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
