import { TollgateError } from '../../core/errors.js';

// SQLite result codes that mean "the store cannot serve now" rather than a bug in a statement.
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOTADB|CORRUPT)/;

/** Translates a better-sqlite3 failure at the store's boundary; the original stays as `cause`. */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof TollgateError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if ((typeof code === 'string' && UNAVAILABLE.test(code)) || /database connection is not open/.test(message)) {
    return new TollgateError('STORE_UNAVAILABLE', {
      message: `The usage store (SQLite) cannot be used: ${message}`,
      details: { store: 'sqlite', driver_code: typeof code === 'string' ? code : null },
      cause: error,
    });
  }
  return error;
}

export function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
