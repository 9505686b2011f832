import type { Permission } from '../core/tenants.js';

export type GatewayMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One route of an upstream API that the gateway meters and forwards (issue 14): which catalogue
 * operation a call is, and nothing else. The forwarding, the charge and the refund are the same for
 * every route; a table of these, not per-route code, is what makes the gateway cover an API.
 */
export interface GatewayRoute {
  readonly method: GatewayMethod;
  /** The path as Fastify matches it: `/v1/memory/:memory_id`. */
  readonly path: string;
  /** The catalogue operation a call is charged as; null: forwarded authenticated but free (status, health). */
  readonly operation: string | null;
  /** The method of the official client (`@papr/memory`) that calls this route: `memory.add`. */
  readonly clientMethod: string;
  /** The key permission needed, when not the default (read for GET, delete for DELETE, write otherwise). */
  readonly permission?: Permission;
}
