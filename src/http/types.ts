/** The one place Fastify's types are extended: route metadata and what hooks put on a request. */
import 'fastify';
import type { OperationName } from '../core/catalogue.js';
import type { ApiKeyKind, Namespace, Permission } from '../core/tenants.js';
import type { Decision, Resources, TenantContext } from '../metering/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The catalogue operation a /v1 route is, priced and charged by the meter plugin; null marks a
     * deliberately free route. Every route under /v1 must say which (startup fails otherwise).
     */
    operation?: OperationName | null;
    /** The permission the API key needs (default: read for GET, delete for DELETE, write otherwise). */
    permission?: Permission;
    /** The kinds of key that may call (default: both). */
    keyKinds?: readonly ApiKeyKind[];
    /** The call acts inside a namespace (memory calls): an organization key uses its default namespace. */
    needsNamespace?: boolean;
  }

  interface FastifyRequest {
    /** The authenticated caller; set by the auth plugin on /v1 routes. */
    tenant: TenantContext | null;
    /** The meter's decision for this call; set by the meter plugin on metered routes. */
    decision: Decision | null;
    /**
     * Standing resources the handler freed (memories deleted), released before the response is
     * sent: from the caller's namespace, or from `namespace` when the handler deleted another one.
     */
    released: { readonly resources: Resources; readonly namespace?: Namespace } | null;
  }
}

export {};
