import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Papr from '@papr/memory';
import FindMyWay from 'find-my-way';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogue } from '../../src/core/catalogue.js';
import type { GatewayRoute } from '../../src/gateway/gateway-route.js';
import { PAPR_ROUTES } from '../../src/gateway/papr-routes.js';
import { PAPR_CLIENT_CALLS, paprClient } from '../support/papr-client-calls.js';

/**
 * The gateway's Papr routes table (issue 14) against the client itself: every method of
 * `@papr/memory` is called against a server that records what arrives, and each request must be
 * a route of the table, as Fastify's router (find-my-way) would match it.
 */

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

const API_KEY = 'tg_papr_routes_test';
const received: Recorded[] = [];
let server: Server;
let baseURL: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    // Read the whole body (a multipart upload included) before answering.
    request.resume();
    request.on('end', () => {
      received.push({ method: request.method!, path: new URL(request.url!, 'http://x').pathname, headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

/** `resource.sub.method` of every method of every resource of the client, found by walking the instance. */
function clientMethods(client: Papr): string[] {
  const names: string[] = [];
  const isResource = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && (value as { _client?: unknown })._client === client;
  const walk = (resource: Record<string, unknown>, prefix: string) => {
    for (let proto = Object.getPrototypeOf(resource); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name !== 'constructor' && typeof resource[name] === 'function') names.push(`${prefix}${name}`);
      }
    }
    for (const [name, value] of Object.entries(resource)) {
      if (isResource(value)) walk(value, `${prefix}${name}.`);
    }
  };
  for (const [name, value] of Object.entries(client)) {
    if (isResource(value)) walk(value, `${name}.`);
  }
  return names.sort();
}

function router() {
  const routes = FindMyWay();
  for (const route of PAPR_ROUTES) routes.on(route.method, route.path, () => {}, route);
  return routes;
}

describe('the Papr routes table', () => {
  it('has a call for every method of the client, and a call for nothing else', () => {
    const methods = clientMethods(paprClient('http://127.0.0.1:1', API_KEY));
    expect(methods.length).toBeGreaterThan(60);
    expect(PAPR_CLIENT_CALLS.map((c) => c.clientMethod).sort()).toEqual(methods);
  });

  it('has one entry per method and path, every one a valid Fastify route', () => {
    const keys = PAPR_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(() => router()).not.toThrow();
  });

  it('charges only operations of the catalogue', () => {
    const catalogue = createCatalogue();
    const unknown = PAPR_ROUTES.filter((route) => route.operation !== null && !catalogue.has(route.operation));
    expect(unknown).toEqual([]);
  });

  it('keeps /v1 only: the OAuth flow outside it is not called with an API key', () => {
    expect(PAPR_ROUTES.filter((route) => !route.path.startsWith('/v1/'))).toEqual([]);
  });

  describe('against what the client sends', () => {
    const hits = new Map<GatewayRoute, string[]>();
    const outside: Recorded[] = [];

    beforeAll(async () => {
      const routes = router();
      const client = paprClient(baseURL, API_KEY);
      for (const { clientMethod, call } of PAPR_CLIENT_CALLS) {
        const before = received.length;
        await expect(call(client), clientMethod).resolves.toBeDefined();
        expect(received.length - before, `${clientMethod}: one request`).toBe(1);
        const request = received.at(-1)!;
        const found = routes.find(request.method as GatewayRoute['method'], request.path);
        if (found === null) {
          outside.push(request);
          continue;
        }
        const route = found.store as GatewayRoute;
        hits.set(route, [...(hits.get(route) ?? []), clientMethod]);
      }
    });

    it('names, on each route, a client method that calls it', () => {
      // A route several methods call names one of them (none is called by two in 2.8.0).
      for (const [route, callers] of hits) expect(callers, `${route.method} ${route.path}`).toContain(route.clientMethod);
    });

    it('sends every /v1 call to a route of the table, and nothing else but the OAuth flow', () => {
      expect(outside.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /callback', 'GET /login', 'GET /logout', 'GET /me', 'POST /token']);
    });

    it('hits every route of the table', () => {
      expect(PAPR_ROUTES.filter((route) => !hits.has(route)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    });

    it('authenticates as an API-key user: X-API-Key, no bearer token', () => {
      for (const request of received) {
        expect(request.headers['x-api-key'], `${request.method} ${request.path}`).toBe(API_KEY);
        expect(request.headers.authorization).toBeUndefined();
      }
    });
  });
});
