import { Command } from 'commander';
import type { CliIo } from './cli-context.js';
import { registerCatalogueCommands } from './commands/catalogue.js';
import { registerBillingCommands } from './commands/billing.js';
import { registerExportCommand } from './commands/export.js';
import { registerKeyCommands } from './commands/key.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerNamespaceCommands } from './commands/namespace.js';
import { registerOrganizationCommands } from './commands/org.js';
import { registerOutboxCommands } from './commands/outbox.js';
import { registerServeCommand } from './commands/serve.js';
import { registerParseCommands } from './commands/parse.js';
import { registerUsageCommand } from './commands/usage.js';

export function createProgram(io: CliIo): Command {
  const program = new Command('tollgate')
    .description('Usage metering for multi-tenant AI memory APIs')
    .option('--config <file>', 'configuration file (YAML or JSON); also TOLLGATE_CONFIG')
    .option('--data <file>', 'SQLite database file; also TOLLGATE_DATA (default ./data/tollgate.db)')
    .option('--store <kind>', 'sqlite, postgres, redis or parse; also TOLLGATE_STORE')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerServeCommand(program, io);
  registerOrganizationCommands(program, io);
  registerNamespaceCommands(program, io);
  registerKeyCommands(program, io);
  registerUsageCommand(program, io);
  registerMigrateCommand(program, io);
  registerExportCommand(program, io);
  registerParseCommands(program, io);
  registerOutboxCommands(program, io);
  registerBillingCommands(program, io);
  registerCatalogueCommands(program, io);
  return program;
}
