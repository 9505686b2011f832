import type { Command } from 'commander';
import { summarizeUsage, USAGE_DIMENSIONS, type UsageDimension } from '../../analytics/index.js';
import { resolveLimits } from '../../core/limit-resolution.js';
import { parseMonth, periodOf, periodStartingIn } from '../../core/periods.js';
import { NO_CAP } from '../../core/tenants.js';
import { formatTable } from '../table.js';
import { escapeForTerminal } from '../terminal-text.js';
import { printJsonOr, withRuntime, type CliIo } from '../cli-context.js';

export function registerUsageCommand(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description("an organization's usage for a period, grouped")
    .requiredOption('--org <id>', 'organization id')
    .option('--month <YYYY-MM>', 'the period starting in this month (default: the current one)')
    .option('--by <dimension>', `group by: ${USAGE_DIMENSIONS.join(', ')}`, 'operation_type')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) => {
      if (!(USAGE_DIMENSIONS as readonly string[]).includes(options.by)) throw new Error(`--by must be one of ${USAGE_DIMENSIONS.join(', ')}, got "${options.by}"`);
      const month = options.month === undefined ? null : parseMonth(options.month);
      if (options.month !== undefined && !month) throw new Error(`--month must look like 2026-11, got "${options.month}"`);
      await withRuntime(command, io, async ({ tenancy, store, meter, clock }) => {
        const org = await tenancy.getOrganization(options.org);
        const anchor = org.subscription.billingAnchorDay;
        const period = month ? periodStartingIn(month.year, month.month, anchor) : periodOf(clock.now(), anchor);
        const summary = await summarizeUsage(store.log, { organizationId: org.id, period });
        const limits = resolveLimits(
          meter.plans,
          { subscription: org.subscription, organizationOverrides: org.rateLimits, namespaceOverrides: null, apiKeyCap: NO_CAP },
          clock.now(),
        );
        const limitOf = (type: 'mini' | 'premium') => (limits.ok ? limits.value.monthly[type].organization : null);
        const groups = summary.groups[options.by as UsageDimension];
        printJsonOr(io, options.json, summary, () =>
          [
            `${escapeForTerminal(org.name)} (${org.id}) — period ${period.key}: ${new Date(period.startMs).toISOString()} to ${new Date(period.endMs).toISOString()}`,
            `plan ${org.subscription.tier}, ${org.subscription.status}${limits.ok ? '' : ` (${limits.error.message})`}`,
            `mini: ${summary.totals.mini.count.toLocaleString('en-US')} of ${limitOf('mini')?.toLocaleString('en-US') ?? 'unlimited'}` +
              `   premium: ${summary.totals.premium.count.toLocaleString('en-US')} of ${limitOf('premium')?.toLocaleString('en-US') ?? 'unlimited'}` +
              `   refused calls: ${summary.refused.toLocaleString('en-US')}`,
            '',
            groups.length === 0 ? 'No usage in this period.' : formatTable([options.by, 'interactions', 'calls', 'refused'], groups.map((g) => [g.key || '(none)', g.count, g.calls, g.refused])),
          ].join('\n'),
        );
      });
    });
}
