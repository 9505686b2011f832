import type { Command } from 'commander';
import type { ApiKey } from '../../core/tenants.js';
import { formatTable } from '../table.js';
import { integerOption, iso, printJsonOr, withRuntime, type CliIo } from '../cli-context.js';

const HEADERS = ['id', 'prefix', 'kind', 'name', 'namespace', 'permissions', 'cap', 'last used', 'expires', 'revoked'];
export const keyRow = (k: ApiKey) => [
  k.id,
  k.prefix,
  k.kind,
  k.name,
  k.namespaceId,
  k.permissions.join(','),
  k.monthlyCap.mini,
  iso(k.lastUsedAt),
  iso(k.expiresAt),
  iso(k.revokedAt),
];

/** What a listing may show of a key: never its hash. */
export const publicKey = ({ hash: _hash, ...rest }: ApiKey) => rest;

export function registerKeyCommands(program: Command, io: CliIo): void {
  const key = program.command('key').description('API keys: create, list, revoke');

  key
    .command('create')
    .description('create an API key (shown once): a namespace key with --namespace, an organization key with --org')
    .option('--namespace <id>', 'namespace id: the key works inside this namespace')
    .option('--org <id>', 'organization id: an organization key')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .option('--permissions <list>', 'comma-separated: read,write,delete', 'read,write,delete')
    .option('--cap <n>', "the key's own monthly cap of mini interactions", integerOption('--cap'))
    .option('--expires <iso-date>', 'expiry, e.g. 2027-01-01T00:00:00Z')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        if (Boolean(options.namespace) === Boolean(options.org)) throw new Error('give exactly one of --namespace (a namespace key) or --org (an organization key)');
        const expiresAt = options.expires ? Date.parse(options.expires) : null;
        if (expiresAt !== null && Number.isNaN(expiresAt)) throw new Error(`--expires is not a date: "${options.expires}"`);
        const input = {
          name: options.name,
          permissions: String(options.permissions).split(',').map((p: string) => p.trim()),
          monthlyCap: options.cap ?? null,
          expiresAt,
        };
        const issued = options.namespace ? await tenancy.issueNamespaceKey(options.namespace, input) : await tenancy.issueOrganizationKey(options.org, input);
        printJsonOr(io, options.json, { ...publicKey(issued.apiKey), key: issued.key }, () =>
          [formatTable(HEADERS, [keyRow(issued.apiKey)]), '', `key: ${issued.key}`, 'Store it now: it is shown only this once.'].join('\n'),
        );
      }),
    );

  key
    .command('list')
    .description("list an organization's keys (no secrets)")
    .requiredOption('--org <id>', 'organization id')
    .option('--namespace <id>', 'only the keys of this namespace')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        await tenancy.getOrganization(options.org);
        const keys = await tenancy.listApiKeys({ organizationId: options.org, ...(options.namespace ? { namespaceId: options.namespace } : {}) });
        printJsonOr(io, options.json, keys.map(publicKey), () => formatTable(HEADERS, keys.map(keyRow)));
      }),
    );

  key
    .command('revoke <id>')
    .description('revoke a key: refused from now on, by every server sharing the store')
    .action(async (id: string, _options, command: Command) =>
      withRuntime(command, io, async ({ tenancy }) => {
        const revoked = await tenancy.revokeApiKey(id);
        io.out(`Revoked ${revoked.prefix}… (${revoked.id}) at ${iso(revoked.revokedAt)}.`);
      }),
    );
}
