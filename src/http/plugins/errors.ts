import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { TollgateError, isTollgateError } from '../../core/errors.js';
import { generateRequestId } from './request-id.js';

/**
 * The only place errors become responses. A TollgateError answers with its status and a body in
 * the Papr envelope whose top level also carries the error's details (DESIGN §4: current_count,
 * limit, operation_cost, …). Validation and parser errors become 4xx naming the field; anything
 * unknown is logged and answers a 500 with no internals in the body.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler(async (raw: FastifyError | TollgateError, request, reply) => {
    const error = isTollgateError(raw) ? raw : fromFastify(raw);
    if (error.status >= 500 && error.code !== 'STORE_UNAVAILABLE') request.log.error({ err: raw }, 'request failed');
    else if (error.status >= 500) request.log.warn({ err: raw }, error.message);
    if (typeof error.details.retry_after_seconds === 'number') reply.header('retry-after', String(error.details.retry_after_seconds));
    return reply.code(error.status).send(errorBody(error, request.id));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const error = new TollgateError('NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}.` });
    return reply.code(404).send(errorBody(error, request.id));
  });
});

/**
 * Fastify's clientErrorHandler: errors Node raises on the socket before or outside a request, with
 * no reply to answer them through. A request whose headers or body did not arrive within the
 * server's timeouts answers 408 REQUEST_TIMEOUT, one with oversized headers 431 HEADERS_TOO_LARGE,
 * an unparsable one 400 VALIDATION_FAILED; each in the usual body, then the connection is closed.
 */
export function answerClientError(this: FastifyInstance, raw: Error & { code?: string }, socket: Socket): void {
  if (raw.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    raw.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new TollgateError('REQUEST_TIMEOUT', { cause: raw })
      : raw.code === 'HPE_HEADER_OVERFLOW'
        ? new TollgateError('HEADERS_TOO_LARGE', { cause: raw })
        : new TollgateError('VALIDATION_FAILED', { message: `Invalid request: the HTTP message could not be parsed (${raw.code ?? raw.message}).`, details: { field: 'request' }, cause: raw });
  this.log.debug({ err: raw }, error.message);
  // As Node itself does: never write over a response that has begun on this socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const requestId = generateRequestId({ headers: {} });
    const body = JSON.stringify(errorBody(error, requestId));
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n${error.retryable ? '' : 'X-Should-Retry: false\r\n'}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(raw);
}

export function errorBody(error: TollgateError, requestId: string) {
  const summary = typeof error.details.error === 'string' ? error.details.error : error.message;
  return {
    ...error.details,
    code: error.status,
    status: 'error',
    error: summary,
    message: error.message,
    error_code: error.code,
    details: error.details,
    data: null,
    request_id: requestId,
  };
}

function fromFastify(error: FastifyError): TollgateError {
  if (error.validation) {
    const first = error.validation[0];
    // The property the keyword is about, when it is not the instance itself (required,
    // additionalProperties, propertyNames).
    const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string; propertyName?: string };
    const named = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
    const path = [error.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean), ...(named ? [named] : [])].join('.');
    return new TollgateError('VALIDATION_FAILED', {
      message: `Invalid request: ${error.message}.`,
      details: { field: path, problems: error.validation.map((v) => `${error.validationContext}${v.instancePath} ${v.message}`) },
      cause: error,
    });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new TollgateError('CONTENT_TOO_LARGE', { message: `The request body is too large: ${error.message}`, cause: error });
  if (status === 415) return new TollgateError('UNSUPPORTED_MEDIA_TYPE', { message: error.message, cause: error });
  if (status === 405) return new TollgateError('METHOD_NOT_ALLOWED', { cause: error });
  if (status >= 400 && status < 500) return new TollgateError('VALIDATION_FAILED', { message: `Invalid request: ${error.message}`, details: { field: fieldOf(error) }, cause: error });
  return new TollgateError('INTERNAL', { message: 'Internal server error; the request id identifies it in the logs.', cause: error });
}

/** The part of the request a Fastify 4xx is about. */
function fieldOf(error: FastifyError): string {
  if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') return 'url';
  if (error.code?.startsWith('FST_ERR_CTP_')) return 'body';
  return 'request';
}

/**
 * Fastify's frameworkErrors: what its router refuses before any route runs (a URL that is not
 * percent-encoded UTF-8, a path parameter over maxParamLength) answers in the same body as every
 * other error, with the request id, instead of Fastify's own.
 */
export function answerFrameworkError(raw: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const error =
    raw.code === 'FST_ERR_BAD_URL'
      ? new TollgateError('VALIDATION_FAILED', { message: `Invalid request: the URL is not valid percent-encoded UTF-8 (${request.url.slice(0, 200)}).`, details: { field: 'url' }, cause: raw })
      : raw.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new TollgateError('VALIDATION_FAILED', { message: 'Invalid request: a path parameter is longer than the 100 characters an id may have.', details: { field: 'params' }, cause: raw })
        : fromFastify(raw);
  if (error.status >= 500) request.log.error({ err: raw }, 'request failed');
  if (!error.retryable) reply.header('x-should-retry', 'false');
  reply.header('x-request-id', request.id);
  void reply.code(error.status).send(errorBody(error, request.id));
}
