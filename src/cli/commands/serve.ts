import type { Command } from 'commander';
import { bootstrap, describeBootstrap } from '../bootstrap.js';
import { loadConfig } from '../load-config.js';
import { serverDispatcher } from '../outbox-runtime.js';
import { openRuntime } from '../runtime.js';
import { buildServerApp } from '../server-app.js';
import type { CliIo } from '../cli-context.js';

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('serve the metered memory API, the admin and usage APIs and the dashboard')
    .option('--port <port>', 'port (default PORT or 8080)')
    .option('--log <level>', 'log level: fatal, error, warn, info, debug', 'info')
    .action(async (options, command: Command) => {
      const global = command.optsWithGlobals() as { config?: string; data?: string; store?: string };
      const config = loadConfig({
        env: io.env,
        ...(global.config ? { configPath: global.config } : {}),
        overrides: {
          ...(options.port ? { port: Number(options.port) } : {}),
          ...(global.data || global.store ? { store: { ...(global.data ? { sqlitePath: global.data } : {}), ...(global.store ? { kind: global.store } : {}) } } : {}),
        },
      });
      const runtime = await openRuntime(config);
      for (const warning of runtime.warnings) io.err(`warning: ${warning}`);
      const { app, adminKeys } = await buildServerApp(runtime, { logger: { level: options.log } });
      const started = await bootstrap(runtime, adminKeys);
      const address = await app.listen({ port: config.port, host: config.host });
      const dispatcher = serverDispatcher(runtime, runtime.logger);
      dispatcher?.start();
      const baseUrl = `http://localhost:${new URL(address).port}`;
      io.out(`Tollgate is serving on ${baseUrl} (store: ${runtime.store.name}${config.store.kind === 'sqlite' ? ` at ${config.store.sqlitePath}` : ''}); API docs at ${baseUrl}/docs, usage dashboard at ${baseUrl}/dashboard`);
      const shown = describeBootstrap(started, baseUrl, config.adminKey !== null);
      if (shown) io.out(shown);

      // Graceful shutdown: stop accepting, let in-flight requests finish, flush, close the store.
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        await app.close();
        await dispatcher?.stop();
        await runtime.close();
        clearTimeout(force);
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
    });
}
