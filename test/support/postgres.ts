import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';

/** The database tests use: DATABASE_URL, or the local server of this project's machines. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** Null when PostgreSQL answers at `url`; otherwise why not. */
export async function postgresUnavailable(url: string = DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    const why = error instanceof Error ? error.message || (error as { code?: string }).code : String(error);
    return `PostgreSQL is not reachable at ${url} (${why}); start it or set DATABASE_URL`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A schema name no other test uses. */
export function randomSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string, url: string = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * `describe` for tests that need a service (`reason` says why it cannot be used, or is null): when
 * it cannot be reached they are skipped with the reason printed, except under CI=true, where that
 * is a failure (STACK.md).
 */
export function describeIfReachable(title: string, reason: string | null, service: string, body: () => void): void {
  if (reason === null) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`can reach ${service} (required under CI=true)`, () => {
        throw new Error(reason);
      });
    });
  } else {
    console.warn(`${title}: skipped: ${reason}`);
    describe.skip(`${title}: skipped (${reason})`, body);
  }
}

export async function describeWithPostgres(title: string, body: () => void): Promise<void> {
  describeIfReachable(title, await postgresUnavailable(), 'PostgreSQL', body);
}
