import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseMonth } from '../../core/periods.js';
import type { InteractionRecord } from '../../stores/contract.js';
import { withRuntime, type CliIo } from '../cli-context.js';
import { EXPORT_FORMATS } from '../export-formats.js';

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description("an organization's Interaction records for a range of months")
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--from <YYYY-MM>', 'first month')
    .option('--to <YYYY-MM>', 'last month (default: --from)')
    .option('--format <format>', `${Object.keys(EXPORT_FORMATS).join(' or ')}`, 'json')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options, command: Command) => {
      const format = EXPORT_FORMATS[options.format];
      if (!format) throw new Error(`--format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}, got "${options.format}"`);
      const months = monthsBetween(options.from, options.to ?? options.from);
      await withRuntime(command, io, async ({ tenancy, store }) => {
        const org = await tenancy.getOrganization(options.org);
        const records: InteractionRecord[] = [];
        for (const { year, month } of months) records.push(...(await store.log.interactions({ organizationId: org.id, year, month })));
        const text = format.render(records);
        if (options.out) writeFileSync(options.out, text + '\n');
        else io.out(text);
      });
    });
}

function monthsBetween(fromText: string, toText: string): { year: number; month: number }[] {
  const from = parseMonth(fromText);
  const to = parseMonth(toText);
  if (!from) throw new Error(`--from must look like 2026-11, got "${fromText}"`);
  if (!to) throw new Error(`--to must look like 2026-11, got "${toText}"`);
  const months = [];
  for (let i = from.year * 12 + from.month - 1; i <= to.year * 12 + to.month - 1; i++) months.push({ year: Math.floor(i / 12), month: (i % 12) + 1 });
  if (months.length === 0) throw new Error('--to must not be before --from');
  return months;
}
