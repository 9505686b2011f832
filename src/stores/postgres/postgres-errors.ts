import { TollgateError } from '../../core/errors.js';

/**
 * SQLSTATEs that mean "the server cannot serve now" rather than a bug in a statement: class 08
 * (connection exceptions), 57P01–57P03 (admin or crash shutdown, cannot connect now), 53300 (too
 * many connections), 53100 (disk full).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|53100)$/;
/** Socket errors from Node and the messages pg gives a connection that went away. */
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;

/** Deadlock and serialization failures: the transaction was rolled back whole and may run again. */
export function isRetryablePostgresError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Translates a pg failure at the store's boundary; the original stays as `cause`. */
export function translatePostgresError(error: unknown): unknown {
  if (error instanceof TollgateError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const codeText = typeof code === 'string' ? code : null;
  const unavailable =
    (codeText !== null && (UNAVAILABLE_SQLSTATE.test(codeText) || UNAVAILABLE_SOCKET.has(codeText))) ||
    (error instanceof AggregateError && error.errors.some((e) => translatePostgresError(e) instanceof TollgateError)) ||
    UNAVAILABLE_MESSAGE.test(message);
  if (!unavailable) return error;
  return new TollgateError('STORE_UNAVAILABLE', {
    message: `The usage store (PostgreSQL) cannot be used: ${message || codeText}`,
    details: { store: 'postgres', driver_code: codeText },
    cause: error,
  });
}

/** Runs a query (or several) and translates what it throws. */
export async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translatePostgresError(error);
  }
}
