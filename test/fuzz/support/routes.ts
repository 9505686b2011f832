/**
 * Every route of the app with its schemas, read from the server's own OpenAPI document
 * (/docs/json), and checked against the router's table so a route hidden from the document is not
 * silently left out of the fuzz.
 */
import type { FastifyInstance } from 'fastify';
import type { JsonSchema } from './schema-arbitrary.js';

export interface RouteSpec {
  readonly method: string;
  /** With `{name}` placeholders. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly query: readonly { readonly name: string; readonly schema: JsonSchema; readonly required: boolean }[];
  readonly body: JsonSchema | null;
}

type Operation = { parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> } };

export async function routesOf(app: FastifyInstance): Promise<RouteSpec[]> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
  const routes: RouteSpec[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const parameters = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: p.required === true })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return routes;
}

/** The router's own `METHOD /path/:param` list under the given prefixes (HEAD, added for GET, left out). */
export function routerTable(app: FastifyInstance, prefixes: readonly string[]): string[] {
  const lines = app.printRoutes({ commonPrefix: false }).split('\n');
  const found: string[] = [];
  const stack: string[] = [];
  for (const line of lines) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line.replace(/\u00a0/g, ' '));
    if (!match) continue;
    const level = match[1]!.length / 4;
    stack.length = level;
    const path = (stack[level - 1] ?? '') + match[2]!;
    stack[level] = path;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD' && prefixes.some((p) => path.startsWith(p))) found.push(`${method} ${path}`);
  }
  return found.sort();
}

export const asRouterPath = (route: RouteSpec) => `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`;
