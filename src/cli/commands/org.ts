import type { Command } from 'commander';
import type { Organization, SubscriptionStatus } from '../../core/tenants.js';
import { formatTable } from '../table.js';
import { integerOption, iso, printJsonOr, withRuntime, type CliIo } from '../cli-context.js';

export const organizationRow = (o: Organization) => [
  o.id,
  o.name,
  o.subscription.tier,
  o.subscription.status,
  o.subscription.meteredBilling ? 'metered' : '',
  o.defaultNamespaceId,
  iso(o.createdAt),
];
const HEADERS = ['id', 'name', 'plan', 'status', 'billing', 'default namespace', 'created'];

export function registerOrganizationCommands(program: Command, io: CliIo): void {
  const org = program.command('org').description('organizations: create, list, show, set a plan');

  org
    .command('create')
    .description('create an organization (with its workspace and owner user)')
    .requiredOption('--name <name>', 'organization name')
    .option('--plan <tier>', 'plan tier from plans.yaml', 'developer')
    .option('--status <status>', 'subscription status', 'active')
    .option('--metered', 'metered billing: usage past the plan is overage, not refused')
    .option('--anchor-day <day>', 'billing cycle starts on this day of the month', integerOption('--anchor-day'))
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        const created = await tenancy.createOrganization({
          name: options.name,
          planTier: options.plan,
          subscription: {
            status: options.status as SubscriptionStatus,
            meteredBilling: Boolean(options.metered),
            ...(options.anchorDay !== undefined ? { billingAnchorDay: options.anchorDay } : {}),
          },
        });
        printJsonOr(io, options.json, created, () => formatTable(HEADERS, [organizationRow(created)]));
      }),
    );

  org
    .command('list')
    .description('list organizations')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        const page = await tenancy.listOrganizations({ offset: 0, limit: 10_000 });
        printJsonOr(io, options.json, page.items, () => formatTable(HEADERS, page.items.map(organizationRow)));
      }),
    );

  org
    .command('show <id>')
    .description('show one organization')
    .option('--json', 'print JSON')
    .action(async (id: string, options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        const found = await tenancy.getOrganization(id);
        printJsonOr(io, options.json, found, () => formatTable(HEADERS, [organizationRow(found)]));
      }),
    );

  org
    .command('set-plan <id> <tier>')
    .description("change an organization's plan tier (and optionally its subscription status)")
    .option('--status <status>', 'subscription status')
    .option('--metered <on>', 'metered billing: true or false')
    .option('--json', 'print JSON')
    .action(async (id: string, tier: string, options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        if (options.metered !== undefined && !['true', 'false'].includes(options.metered)) throw new Error('--metered must be true or false');
        const updated = await tenancy.updateOrganization(id, {
          planTier: tier,
          subscription: {
            ...(options.status ? { status: options.status as SubscriptionStatus } : {}),
            ...(options.metered !== undefined ? { meteredBilling: options.metered === 'true' } : {}),
          },
        });
        printJsonOr(io, options.json, updated, () => formatTable(HEADERS, [organizationRow(updated)]));
      }),
    );
}
