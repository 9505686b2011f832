import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { USAGE_DIMENSIONS, type UsageDimension } from '../../analytics/index.js';
import { parseMonth } from '../../core/periods.js';
import { withRuntime, type CliIo } from '../cli-context.js';
import { EXPORT_FORMATS } from '../export-formats.js';
import { eventSource, groupedSource, recordSource, type ExportSource } from '../export-sources.js';

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description("an organization's usage over a range: its Interaction records, grouped usage (--by) or its usage events (--events)")
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--from <date>', 'first month (YYYY-MM) or day (YYYY-MM-DD)')
    .option('--to <date>', 'last month or day, included (default: --from)')
    .option('--format <format>', Object.keys(EXPORT_FORMATS).join(', '), 'json')
    .option('--by <dimension>', `group the usage by ${USAGE_DIMENSIONS.join(', ')} (from the daily rollups)`)
    .option('--events', 'the per-call usage events instead (the audit log)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--progress', 'show a progress bar even when standard error is not a terminal')
    .action(async (options, command: Command) => {
      const format = EXPORT_FORMATS[options.format];
      if (!format) throw new Error(`--format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}, got "${options.format}"`);
      if (options.by !== undefined && !(USAGE_DIMENSIONS as readonly string[]).includes(options.by)) {
        throw new Error(`--by must be one of ${USAGE_DIMENSIONS.join(', ')}, got "${options.by}"`);
      }
      if (options.by && options.events) throw new Error('give --by or --events, not both');
      if (format.recordsOnly && (options.by || options.events)) throw new Error(`--format ${options.format} writes Interaction records only (no --by, no --events)`);
      const range = dateRange(options.from, options.to ?? options.from);

      await withRuntime(command, io, async ({ tenancy, store }) => {
        const org = await tenancy.getOrganization(options.org);
        const source: ExportSource = options.events
          ? eventSource(store.log, org.id, range.days)
          : options.by
            ? groupedSource(store.log, org.id, range.days, options.by as UsageDimension)
            : recordSource(store.log, org.id, range.months);
        const file = options.out ? createWriteStream(options.out) : null;
        const out = file ? (text: string) => void file.write(text) : (text: string) => void process.stdout.write(text);
        const showProgress = Boolean(options.progress) || (process.stderr.isTTY && source.steps > 1);
        const bar = showProgress
          ? new SingleBar({ stream: process.stderr, noTTYOutput: Boolean(options.progress), notTTYSchedule: 200, format: 'export [{bar}] {value}/{total} {unit} | {rows} rows', hideCursor: true })
          : null;
        bar?.start(source.steps, 0, { unit: options.events || options.by ? 'days' : 'months', rows: 0 });
        let rows = 0;
        const writer = format.open(source.columns, out);
        for await (const batch of source.rows()) {
          writer.write(batch);
          rows += batch.length;
          bar?.increment(1, { rows });
        }
        writer.end();
        bar?.stop();
        if (file) await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
        if (file) io.err(`wrote ${rows} rows to ${options.out}`);
      });
    });
}

/** The months and the days an inclusive range covers; months (YYYY-MM) or days (YYYY-MM-DD). */
function dateRange(fromText: string, toText: string): { months: { year: number; month: number }[]; days: string[] } {
  const from = parseDate(fromText, '--from', 'start');
  const to = parseDate(toText, '--to', 'end');
  if (to < from) throw new Error('--to must not be before --from');
  const days: string[] = [];
  for (let at = from; at <= to; at += 86_400_000) days.push(new Date(at).toISOString().slice(0, 10));
  const months = [...new Set(days.map((d) => d.slice(0, 7)))].map((m) => parseMonth(m)!);
  return { months, days };
}

function parseDate(text: string, flag: string, edge: 'start' | 'end'): number {
  const month = parseMonth(text);
  if (month) return edge === 'start' ? Date.UTC(month.year, month.month - 1, 1) : Date.UTC(month.year, month.month, 0);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : NaN;
  if (!day || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new Error(`${flag} must look like 2026-11 or 2026-11-28, got "${text}"`);
  return ms;
}
