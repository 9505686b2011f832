import type { Command } from 'commander';
import { createParseClient } from '../../stores/parse/parse-client.js';
import { setupParseSchema, type SetupReport } from '../../stores/parse/parse-schema.js';
import { printJsonOr, type CliIo } from '../cli-context.js';

const CONNECTION = [
  ['serverUrl', '--server-url', 'PARSE_SERVER_URL'],
  ['appId', '--app-id', 'PARSE_APP_ID'],
  ['masterKey', '--master-key', 'PARSE_MASTER_KEY'],
] as const;

export function registerParseCommands(program: Command, io: CliIo): void {
  const parse = program.command('parse').description('Parse Server compatibility (docs/parse.md)');

  parse
    .command('setup')
    .description('create or complete the Interaction class (pointer columns, indexes) and the classes Tollgate keeps tenants in; running it again changes nothing')
    .option('--server-url <url>', 'where Parse Server is mounted, e.g. https://parse.example.com/parse; also PARSE_SERVER_URL')
    .option('--app-id <id>', 'the application id; also PARSE_APP_ID')
    .option('--master-key <key>', 'the master key; also PARSE_MASTER_KEY')
    .option('--dry-run', 'list what would be created, change nothing')
    .option('--json', 'print JSON')
    .action(async (options) => {
      const missing = CONNECTION.filter(([field, , env]) => !(options[field] ?? io.env[env]));
      if (missing.length > 0) throw new Error(`give ${missing.map(([, flag, env]) => `${flag} (or ${env})`).join(', ')}`);
      const [serverUrl, appId, masterKey] = CONNECTION.map(([field, , env]) => String(options[field] ?? io.env[env]));
      const report = await setupParseSchema(createParseClient({ serverUrl: serverUrl!, appId: appId!, masterKey: masterKey! }), { dryRun: Boolean(options.dryRun) });
      printJsonOr(io, options.json, report, () => describeReport(report, Boolean(options.dryRun)));
    });
}

function describeReport(report: SetupReport, dryRun: boolean): string {
  const verb = dryRun ? 'Would add' : 'Added';
  const lines = [
    ...(report.classesCreated.length ? [`${dryRun ? 'Would create' : 'Created'} classes: ${report.classesCreated.join(', ')}`] : []),
    ...(report.fieldsAdded.length ? [`${verb} fields: ${report.fieldsAdded.join(', ')}`] : []),
    ...(report.indexesAdded.length ? [`${verb} indexes: ${report.indexesAdded.join(', ')}`] : []),
  ];
  if (lines.length === 0) lines.push('Nothing to change: the Parse schema already has every class, field and index Tollgate needs.');
  return [...lines, ...report.warnings.map((w) => `warning: ${w}`)].join('\n');
}
