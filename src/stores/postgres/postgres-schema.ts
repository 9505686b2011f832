import { TollgateError } from '../../core/errors.js';
import type { PostgresPool } from './postgres-config.js';
import { withTransaction } from './postgres-transaction.js';
import { LEDGER_HELPER_FUNCTIONS } from './postgres-ledger-helpers-sql.js';
import { LEDGER_FUNCTIONS } from './postgres-ledger-sql.js';
import { LEDGER_RATE_WINDOWS } from './postgres-ledger-windows-sql.js';
import { LEDGER_OUTBOX } from './postgres-outbox-sql.js';
import { LEDGER_OUTBOX_SIMPLE_EXPRESSIONS } from './postgres-outbox-simple-sql.js';
import { RECORD_SINK_TABLES } from './postgres-record-sink-sql.js';
import { CONTENT_TABLES, DIRECTORY_TABLES, HOLDINGS_TABLE, KEY_LINEAGE, OUTBOX, USAGE_TABLES, WEBHOOK_ENDPOINTS } from './postgres-tables-sql.js';

/**
 * Versioned migrations over the quoted schema name, applied in order; each applied version is a
 * row of schema_migrations. A migration is never edited once released: a change is a new entry
 * (CREATE OR REPLACE FUNCTION for the ledger function).
 */
export const MIGRATIONS: readonly { readonly name: string; readonly sql: (schema: string) => string }[] = [
  { name: 'directory and usage tables', sql: (s) => DIRECTORY_TABLES(s) + USAGE_TABLES(s) },
  { name: 'ledger functions', sql: (s) => LEDGER_HELPER_FUNCTIONS(s) + LEDGER_FUNCTIONS(s) },
  { name: 'memories and feedback', sql: CONTENT_TABLES },
  { name: 'record sink', sql: RECORD_SINK_TABLES },
  { name: 'holdings', sql: HOLDINGS_TABLE },
  { name: 'key lineage', sql: KEY_LINEAGE },
  { name: 'minute windows per organization and namespace', sql: LEDGER_RATE_WINDOWS },
  { name: 'webhook endpoints', sql: WEBHOOK_ENDPOINTS },
  { name: 'outbox', sql: OUTBOX },
  { name: 'outbox of the ledger', sql: LEDGER_OUTBOX },
  { name: 'organization enforcement', sql: (s) => `ALTER TABLE ${s}.organizations ADD COLUMN enforcement text;` },
  { name: 'outbox of the ledger on simple expressions', sql: LEDGER_OUTBOX_SIMPLE_EXPRESSIONS },
];

/** Schema names are spliced into SQL, so only plain lower-case identifiers are accepted. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TollgateError('CONFIG_INVALID', { message: `store.schema: "${schema}" is not a plain lower-case identifier (a-z, 0-9, _).` });
  }
  return `"${schema}"`;
}

/** The advisory lock keys of a schema: one for migrations, one that orders directory changes. */
export function advisoryKey(schema: string, purpose: 'migrations' | 'tenant-changes'): string {
  return `tollgate:${schema}:${purpose}`;
}

/**
 * Brings the schema to the latest version in one transaction. Several processes may start at once:
 * the first takes the advisory lock and migrates, the others wait for it and then find nothing to do.
 * DDL is transactional in PostgreSQL, so a failed migration leaves the schema as it was.
 */
export async function migrate(pool: PostgresPool, schema: string): Promise<{ from: number; to: number }> {
  const s = quoteSchema(schema);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [advisoryKey(schema, 'migrations')]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query(`SELECT coalesce(max(version), 0) AS version FROM ${s}.schema_migrations`);
    const from = Number(rows[0]!.version);
    if (from > MIGRATIONS.length) {
      throw new TollgateError('CONFIG_INVALID', {
        message: `The schema ${schema} is at version ${from}, newer than this Tollgate knows (${MIGRATIONS.length}); upgrade Tollgate.`,
      });
    }
    for (let version = from + 1; version <= MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version - 1]!;
      await client.query(migration.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [version, migration.name]);
    }
    return { from, to: MIGRATIONS.length };
  });
}
