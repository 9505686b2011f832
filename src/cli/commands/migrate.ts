import type { Command } from 'commander';
import { withRuntime, type CliIo } from '../cli-context.js';

export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description("create or upgrade the store's schema (the server also does this at start)")
    .action(async (_options, command: Command) =>
      withRuntime(command, io, async ({ store, config }) => {
        await store.ping();
        io.out(`The ${store.name} store${config.store.kind === 'sqlite' ? ` at ${config.store.sqlitePath}` : ''} is at the current schema.`);
      }),
    );
}
