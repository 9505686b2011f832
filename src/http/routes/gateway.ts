import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../../core/errors.js';
import type { Catalogue } from '../../core/catalogue.js';
import type { GatewayRoute } from '../../gateway/gateway-route.js';
import type { UpstreamForwarder } from '../../gateway/upstream-forwarder.js';

export interface GatewayRoutesOptions {
  readonly routes: readonly GatewayRoute[];
  readonly forwarder: UpstreamForwarder;
  readonly catalogue: Catalogue;
  /** A route with no entry: refused with 404 UNKNOWN_OPERATION, or forwarded authenticated but free. */
  readonly unknownRoutes: 'refuse' | 'pass';
  /** Whether this scope already serves method + path (a hosted route): the hosted one wins. */
  readonly isServed: (method: string, url: string) => boolean;
}

/**
 * The gateway's routes (issue 14), registered inside /v1 from the routes table: each is a catalogue
 * operation like a hosted route, so the auth and meter plugins price, check, charge and refund it;
 * what runs between the charge and the answer is a forward to the upstream instead of a handler.
 * Two scopes: routes whose price reads the body (a batch's items, a search's flags) get it parsed and
 * bounded by the JSON body plugin; every other body is passed through as a stream, never buffered.
 */
export async function gatewayRoutes(v1: FastifyInstance, options: GatewayRoutesOptions): Promise<void> {
  const forward = forwardHandler(options.forwarder);
  const pricedByBody = (route: GatewayRoute) => route.operation !== null && options.catalogue.get(route.operation)?.cost.kind !== 'fixed';
  const own = (route: GatewayRoute) => !options.isServed(route.method, route.path);
  const register = (scope: FastifyInstance, route: GatewayRoute) =>
    scope.route({
      method: route.method,
      url: route.path.replace(/^\/v1/, ''),
      config: { operation: route.operation, ...(route.permission ? { permission: route.permission } : {}) },
      handler: forward,
    });

  await v1.register(async (parsed) => {
    for (const route of options.routes.filter((r) => own(r) && pricedByBody(r))) register(parsed, route);
  });
  await v1.register(async (streamed) => {
    // The body stays the request's own stream: forwardHandler passes it on as it arrives.
    streamed.removeAllContentTypeParsers();
    streamed.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const route of options.routes.filter((r) => own(r) && !pricedByBody(r))) register(streamed, route);
    streamed.all('/*', { config: { operation: null } }, async (request, reply) => {
      if (options.unknownRoutes === 'pass') return forward(request, reply);
      throw new TollgateError('UNKNOWN_OPERATION', {
        message: `${request.method} ${request.url.split('?', 1)[0]} has no entry in the gateway's routes table, so it is not forwarded.`,
        details: { method: request.method, path: request.url.split('?', 1)[0] },
      });
    });
  });
}

function forwardHandler(forwarder: UpstreamForwarder) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const tenant = request.tenant!;
    const decision = request.decision;
    const body = request.body === undefined || request.body === null ? null : isStream(request.body) ? request.body : Buffer.from(JSON.stringify(request.body));
    const aborted = new AbortController();
    // The response closing before it finished: the caller went away, so the upstream call stops too.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    const upstream = await forwarder.forward({
      method: request.method,
      url: request.url,
      headers: Buffer.isBuffer(body) ? { ...request.headers, 'content-type': 'application/json' } : request.headers,
      body,
      clientIp: request.ip,
      signal: aborted.signal,
      identity: {
        organizationId: headerSafe(tenant.organization.id),
        namespaceId: headerSafe(tenant.namespace?.id ?? ''),
        apiKeyId: headerSafe(tenant.apiKey.id),
        userId: headerSafe(tenant.apiKey.userId ?? ''),
        chargeId: decision?.allowed && decision.receipt ? decision.receipt.id : '',
      },
    });
    // A body that breaks off after the headers left cannot change the status: the charge is given
    // back all the same, as for a 5xx (unless the caller was the one who went away).
    upstream.body.once('error', () => {
      if (!aborted.signal.aborted) void request.giveBackCharge();
    });
    for (const [name, value] of Object.entries(upstream.headers)) {
      // Tollgate's own headers (usage, request id) are the answer's; the upstream's do not replace them.
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return reply.code(upstream.statusCode).send(upstream.body);
  };
}

const isStream = (value: unknown): value is Readable => value instanceof Readable;

/** A header carries printable ASCII without spaces at its ends; any other id (a user's `zoë`) goes percent-encoded (docs/gateway.md). */
const headerSafe = (value: string): string => (/^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(value) ? value : encodeURIComponent(value));
