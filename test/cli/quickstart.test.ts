import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's quickstart, as a new user runs it: a copy of the tracked files, `npm install`, `npm start`. */
describe('README quickstart, under the Node that runs this suite', () => {
  let installOutput = '';

  beforeAll(async () => {
    const { stdout } = await exec('git', ['ls-files', '-z'], { cwd: REPO, maxBuffer: 16 << 20 });
    for (const file of stdout.split('\0').filter(Boolean)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      try {
        cpSync(join(REPO, file), join(dir, file));
      } catch {
        // a tracked file deleted in the working tree is not part of what a user would get
      }
    }
    const install = await exec('npm', ['install'], { cwd: dir, env: withoutNpmConfigOfThisRun(), maxBuffer: 16 << 20 });
    installOutput = `${install.stdout}\n${install.stderr}`;
  }, 300_000);

  it('runs on Node 22 or later (Node 20 is past its end of life and the project refuses it)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
  });

  it('`npm install` prints no warning', () => {
    expect(installOutput).toMatch(/added \d+ packages|up to date/);
    expect(installOutput.split('\n').filter((line) => /\bwarn|deprecat/i.test(line))).toEqual([]);
  });

  it('`npm start` on an empty directory serves, prints a key and a curl line that works, and stops cleanly on SIGTERM', async () => {
    const env = { ...withoutNpmConfigOfThisRun(), PORT: '0', TOLLGATE_DATA: '', TOLLGATE_ADMIN_KEY: '', TOLLGATE_CONFIG: '' };
    const server = spawn('npm', ['start', '--', '--log', 'warn'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    server.stdout.on('data', (chunk) => (output += chunk));
    server.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 100 }).toMatch(/curl -s .*\n/);
      expect(output).toMatch(/Tollgate is serving on http:\/\/localhost:\d+ \(store: sqlite at \.\/data\/tollgate\.db\)/);
      expect(output).toMatch(/Admin key \(shown once; send it as X-Admin-Key\): tga_\w+/);
      expect(output).toMatch(/Demo API key \(shown once\): tg_\w+/);
      expect(output).not.toMatch(/\(node:\d+\) \w*Warning/);
      const curl = /^\s*(curl -s .*)$/m.exec(output)![1]!;
      const { stdout } = await exec('sh', ['-c', curl]);
      const answer = JSON.parse(stdout);
      expect(answer).toMatchObject({ code: 200, status: 'success', data: [{ memoryId: expect.stringMatching(/^mem_/) }] });
    } finally {
      // SIGTERM to the server itself, as a process manager would send it: npm and its shell then
      // exit with the server's own status.
      const { stdout } = await exec('pgrep', ['-g', String(server.pid), '-f', '^node bin/tollgate.js serve']).catch(() => ({ stdout: '' }));
      const serverPid = Number(stdout.trim().split('\n')[0]);
      if (serverPid > 0) process.kill(serverPid, 'SIGTERM');
      else process.kill(-server.pid!, 'SIGKILL');
    }
    expect(await exited).toBe(0);
  });
});

/** vitest started under `npm test` inherits npm's own settings of that run; a user's shell has none. */
function withoutNpmConfigOfThisRun(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}
