import type { Command } from 'commander';
import { reconcileBilling } from '../../billing/reconcile.js';
import { createStripeMeterClient } from '../../billing/stripe-meter-client.js';
import { INTERACTION_TYPES } from '../../core/catalogue.js';
import { parseMonth, periodStartingIn } from '../../core/periods.js';
import { printJsonOr, withRuntime, type CliIo } from '../cli-context.js';
import { formatTable } from '../table.js';

export function registerBillingCommands(program: Command, io: CliIo): void {
  const billing = program.command('billing').description('metered billing: what was counted against what was sent to the billing provider');
  billing
    .command('reconcile')
    .description("compares an organization's counters for a month with the meter events delivered (and, with a Stripe key, with what Stripe holds), listing every difference")
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--month <YYYY-MM>', 'the period starting in this month')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) => {
      const month = parseMonth(options.month);
      if (!month) throw new Error(`--month must look like 2026-11, got "${options.month}"`);
      await withRuntime(command, io, async ({ tenancy, store, config, clock }) => {
        const organization = await tenancy.getOrganization(options.org);
        const period = periodStartingIn(month.year, month.month, organization.subscription.billingAnchorDay);
        const { stripeSecretKey, stripeApiBase } = config.billing;
        const provider = stripeSecretKey ? createStripeMeterClient({ secretKey: stripeSecretKey, clock, ...(stripeApiBase ? { baseUrl: stripeApiBase } : {}) }) : null;
        const result = await reconcileBilling({ ledger: store.ledger, outbox: store.outbox, provider, organization, period });
        printJsonOr(io, options.json, result, () =>
          [
            `${organization.id} — period ${period.key}, billing customer ${result.customerId ?? '(none)'}`,
            formatTable(
              ['type', 'counted', 'delivered', 'pending', 'dead letters', 'at the provider'],
              INTERACTION_TYPES.map((t) => {
                const f = result.byType[t];
                return [t, f.counted, f.delivered, f.pending, f.failed, f.provider ?? (provider ? 'no meter' : 'not asked (no Stripe key)')];
              }),
            ),
            '',
            result.differences.length === 0 ? 'No differences.' : ['Differences:', ...result.differences.map((d) => `  - ${d}`)].join('\n'),
          ].join('\n'),
        );
        if (result.differences.length > 0) process.exitCode = 2;
      });
    });
}
