import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs bin/tollgate.js in a child process with `env`; a non-zero exit is a result, not a throw. */
export function tollgateCli(env: NodeJS.ProcessEnv, cwd?: string) {
  return async (...args: string[]): Promise<CliRun> => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { env, ...(cwd ? { cwd } : {}) });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as CliRun;
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };
}
