import type { Command } from 'commander';
import type { Namespace } from '../../core/tenants.js';
import { formatTable } from '../table.js';
import { iso, printJsonOr, withRuntime, type CliIo } from '../cli-context.js';

const HEADERS = ['id', 'organization', 'name', 'environment', 'active', 'created'];
const row = (n: Namespace) => [n.id, n.organizationId, n.name, n.environmentType, n.isActive ? 'yes' : 'no', iso(n.createdAt)];

export function registerNamespaceCommands(program: Command, io: CliIo): void {
  const ns = program.command('namespace').description('namespaces: create, list, delete');

  ns.command('create')
    .description('create a namespace in an organization')
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--name <name>', 'namespace name')
    .option('--env <type>', 'environment type: production, staging, development, test', 'production')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        const created = await tenancy.createNamespace(options.org, { name: options.name, environmentType: options.env });
        printJsonOr(io, options.json, created, () => formatTable(HEADERS, [row(created)]));
      }),
    );

  ns.command('list')
    .description("list an organization's namespaces")
    .requiredOption('--org <id>', 'organization id')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        await tenancy.getOrganization(options.org);
        const page = await tenancy.listNamespaces(options.org, { offset: 0, limit: 10_000 });
        printJsonOr(io, options.json, page.items, () => formatTable(HEADERS, page.items.map(row)));
      }),
    );

  ns.command('delete <id>')
    .description('delete a namespace and revoke its keys')
    .action(async (id: string, _options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        await tenancy.deleteNamespace(id);
        io.out(`Deleted namespace ${id}; its keys are revoked.`);
      }),
    );
}
