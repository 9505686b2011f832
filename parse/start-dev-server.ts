/**
 * Starts parse/dev-server.mjs as a child process on its own throw-away PostgreSQL database, for
 * the parse tests and the record-parse benchmark. The child drops its database when stopped.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ParseDevServer {
  readonly serverUrl: string;
  readonly appId: string;
  readonly masterKey: string;
  readonly database: string;
  stop(): Promise<void>;
}


export async function startParseDevServer(options: { keySecret?: string; timeoutMs?: number } = {}): Promise<ParseDevServer> {
  const script = fileURLToPath(new URL('./dev-server.mjs', import.meta.url));
  const args = [script, '--ephemeral', ...(options.keySecret ? ['--key-secret', options.keySecret] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const info = await new Promise<{ serverUrl: string; appId: string; masterKey: string; database: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Parse Server did not start in time: ${stderr}`)), options.timeoutMs ?? 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Parse Server exited (${code}) before it was ready: ${stderr}`));
    });
  });
  return {
    ...info,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
