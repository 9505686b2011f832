import { TollgateError } from '../../core/errors.js';

/** Parse Server's error codes that Tollgate acts on (Parse.Error in the Parse JS SDK). */
export const PARSE_CODES = Object.freeze({
  INTERNAL_SERVER_ERROR: 1,
  CONNECTION_FAILED: 100,
  OBJECT_NOT_FOUND: 101,
  INVALID_QUERY: 102,
  INVALID_KEY_NAME: 105,
  INCORRECT_TYPE: 111,
  TIMEOUT: 124,
  DUPLICATE_VALUE: 137,
  OPERATION_FORBIDDEN: 119,
  INVALID_SCHEMA_OPERATION: 255,
});

/** A failed answer of Parse Server: its `{ code, error }` body and the HTTP status. */
export class ParseRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly path: string,
  ) {
    super(`Parse Server answered ${status} (code ${code}) to ${path}: ${message}`);
    this.name = 'ParseRequestError';
  }
}

/**
 * Parse answers and network failures to Tollgate's errors, at the store's boundary; the original
 * stays as `cause`. "Cannot be reached", a 5xx, Parse's own internal error and refused credentials
 * are STORE_UNAVAILABLE (the engine answers 503, or fails open where configured): a call must
 * never be refused as if its subscription were at fault because Parse is down or misconfigured.
 */
export function translateParseError(error: unknown, path: string): TollgateError {
  if (error instanceof TollgateError) return error;
  if (error instanceof ParseRequestError) {
    if (error.code === PARSE_CODES.OBJECT_NOT_FOUND) return new TollgateError('NOT_FOUND', { message: error.message, details: { parse_code: error.code }, cause: error });
    if (error.code === PARSE_CODES.DUPLICATE_VALUE) return new TollgateError('CONFLICT', { message: error.message, details: { parse_code: error.code }, cause: error });
    const refused = error.status === 401 || error.status === 403 || error.code === PARSE_CODES.OPERATION_FORBIDDEN;
    return new TollgateError('STORE_UNAVAILABLE', {
      message: refused
        ? `Parse Server refused Tollgate's credentials on ${path}: check the app id, the master key and masterKeyIps.`
        : `The usage store (Parse Server) failed: ${error.message}`,
      details: { store: 'parse', parse_code: error.code, http_status: error.status },
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return new TollgateError('STORE_UNAVAILABLE', {
    message: `The usage store (Parse Server) cannot be reached on ${path}: ${timedOut ? 'no answer in time' : message}`,
    details: { store: 'parse', reason: timedOut ? 'timeout' : 'network' },
    cause: error,
  });
}
