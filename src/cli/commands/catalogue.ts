import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import type { CostRule } from '../../core/catalogue.js';
import { catalogueSettingName, parseCatalogueRecord, type CatalogueVersion } from '../../core/catalogue-versions.js';
import { iso, printJsonOr, withRuntime, type CliIo } from '../cli-context.js';
import { formatTable } from '../table.js';

export function registerCatalogueCommands(program: Command, io: CliIo): void {
  const catalogue = program.command('catalogue').description('the prices of the operations: every version of the catalogue, and the one in force at an instant');

  catalogue
    .command('history')
    .description('every version of the catalogue: when it takes effect, whether it is in force, when the store recorded it')
    .option('--json', 'print JSON, with every operation of every version')
    .action(async (options, command: Command) => {
      await withRuntime(command, io, async ({ store, catalogue: schedule, clock }) => {
        const now = clock.now();
        const inForce = schedule.at(now);
        const versions = await Promise.all(
          schedule.versions.map(async (v) => {
            const text = await store.settings.get(catalogueSettingName(v.version));
            const record = text === null ? null : parseCatalogueRecord(text);
            return {
              version: v.version,
              effective_from: iso(v.effectiveFromMs),
              in_force: v === inForce,
              scheduled: v.effectiveFromMs > now,
              recorded_at: iso(record?.recordedAtMs ?? null),
              sha256: sha256(v),
              operations: v.operations,
            };
          }),
        );
        printJsonOr(io, options.json, versions, () =>
          formatTable(
            ['version', 'effective from', 'in force', 'recorded at', 'sha256'],
            versions.map((v) => [v.version, v.effective_from, v.in_force ? 'yes' : v.scheduled ? 'scheduled' : 'no', v.recorded_at, v.sha256.slice(0, 12)]),
          ),
        );
      });
    });

  catalogue
    .command('show')
    .description('the price of every operation in force at an instant (now by default)')
    .option('--at <instant>', 'an instant, such as 2027-01-01T00:00:00Z')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) => {
      const at = options.at === undefined ? null : Date.parse(options.at);
      if (at !== null && (!/^\d{4}-\d{2}-\d{2}T/.test(options.at) || !Number.isFinite(at))) throw new Error(`--at must be an instant such as 2027-01-01T00:00:00Z, got "${options.at}"`);
      await withRuntime(command, io, async ({ catalogue: schedule, clock }) => {
        const atMs = at ?? clock.now();
        const v = schedule.at(atMs);
        const next = schedule.versions[schedule.versions.indexOf(v) + 1];
        const shown = { version: v.version, effective_from: iso(v.effectiveFromMs), until: iso(next?.effectiveFromMs ?? null), at: iso(atMs), operations: v.operations };
        printJsonOr(io, options.json, shown, () =>
          [
            `Catalogue version ${v.version}, in force from ${shown.effective_from}${next ? ` until ${shown.until}` : ''}:`,
            formatTable(
              ['operation', 'type', 'price', 'after a 4xx'],
              Object.entries(v.operations).map(([name, op]) => [name, op.type, describeCost(op.cost), op.client_error === 'refund' ? 'refunded' : 'charged']),
            ),
          ].join('\n'),
        );
      });
    });
}

const sha256 = (v: CatalogueVersion) => createHash('sha256').update(v.canonical).digest('hex');

function describeCost(rule: CostRule): string {
  switch (rule.kind) {
    case 'fixed':
      return String(rule.cost);
    case 'per_item':
      return `${rule.costPerItem} per item of ${rule.itemsField} (${rule.minItems} to ${rule.maxItems})`;
    case 'features':
      return [String(rule.base), ...Object.entries(rule.features).map(([flag, extra]) => `+${extra} with ${flag}`)].join(', ');
  }
}
