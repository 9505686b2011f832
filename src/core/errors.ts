/**
 * Every error Tollgate can answer with, declared once: a stable code, its HTTP status, a default
 * message a person can act on, and whether retrying the same call soon may succeed (a non-retryable
 * answer carries `x-should-retry: false`, so that clients do not resend what cannot pass).
 * Codes are part of the API: never rename or reuse one (retired codes stay listed in RETIRED_CODES).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request is not valid.' },
  INVALID_BATCH_SIZE: { status: 400, retryable: false, message: 'The batch size is outside the allowed range.' },
  UNKNOWN_OPERATION: { status: 404, retryable: false, message: 'The operation is not in the catalogue.' },
  INVALID_API_KEY: { status: 401, retryable: false, message: 'The API key is missing, unknown, revoked or expired.' },
  ADMIN_KEY_INVALID: { status: 401, retryable: false, message: 'The admin key is missing or wrong.' },
  PERMISSION_DENIED: { status: 403, retryable: false, message: 'This API key does not have the permission this call needs.' },
  NAMESPACE_INACTIVE: { status: 403, retryable: false, message: 'The namespace of this API key is inactive.' },
  SUBSCRIPTION_INACTIVE: { status: 403, retryable: false, message: 'The subscription is not active.' },
  PLAN_UNKNOWN: { status: 403, retryable: false, message: 'The plan tier of this organization is not configured on this server.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found.' },
  IDEMPOTENCY_CONFLICT: { status: 409, retryable: false, message: 'This Idempotency-Key was already used for a different request.' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, retryable: true, message: 'A request with this Idempotency-Key is still in progress.' },
  CONFLICT: { status: 409, retryable: false, message: 'The resource already exists.' },
  NAMESPACE_REQUIRED: { status: 409, retryable: false, message: 'This call needs a namespace, and the organization has none yet.' },
  CONTENT_TOO_LARGE: { status: 413, retryable: false, message: 'The content is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'Send the body as application/json.' },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, message: 'The request headers are larger than the server accepts.' },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, message: 'This path does not accept this method.' },
  REQUEST_TIMEOUT: { status: 408, retryable: true, message: 'The request was not received in time; the connection is closed and nothing was charged.' },
  QUOTA_EXCEEDED: { status: 429, retryable: false, message: 'Interaction limit reached for this period.' },
  RESOURCE_LIMIT_EXCEEDED: { status: 429, retryable: false, message: 'A resource limit of the plan has been reached.' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests in the current minute.' },
  AUTH_THROTTLED: { status: 429, retryable: true, message: 'Too many failed authentication attempts: the key was not checked; retry after the time given.' },
  CONFIG_INVALID: { status: 500, retryable: false, message: 'The configuration is invalid.' },
  KEY_SECRET_MISMATCH: { status: 500, retryable: false, message: 'The key secret is not the one this store was set up with: set the same TOLLGATE_KEY_SECRET on every server sharing it.' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal server error.' },
  UPSTREAM_UNAVAILABLE: { status: 502, retryable: true, message: 'The upstream API could not be reached; nothing was charged.' },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true, message: 'The upstream API did not answer in time; nothing was charged.' },
  STORE_UNAVAILABLE: { status: 503, retryable: true, message: 'The usage store cannot be reached.' },
  DASHBOARD_NOT_BUILT: { status: 503, retryable: false, message: 'The dashboard has not been built: run `npm run build` (or `npm run build:web`) and restart the server.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Codes that were once in ERRORS and must never be given a new meaning. */
export const RETIRED_CODES: readonly string[] = [];

export interface TollgateErrorOptions {
  /** Overrides the table's default message. */
  message?: string;
  /** Extra fields a client can act on; they become part of the error body. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, options: TollgateErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError;
}

/** A result for rules whose failures are expected outcomes, not exceptions. */
export type Result<T, E = TollgateError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error });
