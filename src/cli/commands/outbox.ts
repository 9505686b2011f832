import type { Command } from 'commander';
import { OUTBOX_STATES, type OutboxState } from '../../stores/contract/index.js';
import { printJsonOr, withRuntime, type CliIo } from '../cli-context.js';
import { formatTable } from '../table.js';
import { escapeForTerminal } from '../terminal-text.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

export function registerOutboxCommands(program: Command, io: CliIo): void {
  const outbox = program.command('outbox').description('what is waiting to leave Tollgate: webhook deliveries and meter events, and the dead letters');

  outbox
    .command('list')
    .description('outbox entries, newest first')
    .option('--state <state>', `only entries in this state: ${OUTBOX_STATES.join(', ')} (failed: dead letters)`)
    .option('--org <id>', 'only this organization')
    .option('--limit <n>', 'at most this many (1 to 1000)', '50')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) => {
      if (options.state !== undefined && !(OUTBOX_STATES as readonly string[]).includes(options.state)) {
        throw new Error(`--state must be one of ${OUTBOX_STATES.join(', ')}, got "${options.state}"`);
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`--limit must be a whole number from 1 to 1000, got "${options.limit}"`);
      await withRuntime(command, io, async ({ store }) => {
        const entries = await store.outbox.list({ limit, ...(options.state ? { state: options.state as OutboxState } : {}), ...(options.org ? { organizationId: options.org } : {}) });
        printJsonOr(io, options.json, entries, () =>
          entries.length === 0
            ? 'The outbox has no such entries.'
            : formatTable(
                ['id', 'organization', 'type', 'state', 'attempts', 'last error', 'created', 'next attempt'],
                entries.map((e) => [
                  e.id,
                  e.organizationId,
                  e.topic === 'meter' ? `meter:${e.type}` : e.type,
                  e.state,
                  e.attempts,
                  escapeForTerminal(e.lastError ?? ''),
                  iso(e.createdAtMs),
                  e.state === 'pending' ? iso(e.availableAtMs) : '',
                ]),
              ),
        );
      });
    });

  outbox
    .command('retry')
    .description('put dead letters back to be delivered now: the ids given, or every one of --org')
    .argument('[ids...]', 'outbox entry ids (from `tollgate outbox list --state failed`)')
    .option('--org <id>', "every dead letter of this organization (with ids: only those within it)")
    .action(async (ids: string[], options, command: Command) => {
      if (ids.length === 0 && !options.org) throw new Error('name the entries to retry, or --org to retry every dead letter of an organization');
      await withRuntime(command, io, async ({ store, clock }) => {
        const retried = await store.outbox.retry({ ...(ids.length > 0 ? { ids } : {}), ...(options.org ? { organizationId: options.org } : {}) }, clock.now());
        io.out(`${retried} dead letter${retried === 1 ? '' : 's'} put back to be delivered now.`);
      });
    });
}
