import type { PostgresPool, PostgresPoolClient } from './postgres-config.js';
import { translatePostgresError } from './postgres-errors.js';

/**
 * Runs `work` inside BEGIN … COMMIT on one pooled connection; rolls back and rethrows (translated)
 * on any failure. A connection that failed is discarded rather than returned to the pool, since
 * its state is unknown.
 */
export async function withTransaction<T>(pool: PostgresPool, work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
  let client: PostgresPoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translatePostgresError(error);
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    client.release(true);
    throw translatePostgresError(error);
  }
}
