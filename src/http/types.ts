/** The one place Fastify's types are extended: route metadata and what hooks put on a request. */
import 'fastify';
import type { OperationName } from '../core/catalogue.js';
import type { ApiKeyKind, Permission } from '../core/tenants.js';
import type { Decision, TenantContext } from '../metering/index.js';
import type { CallerKind } from './plugins/auth.js';

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
    /** Who may call, when not the scope's default (src/http/plugins/auth.ts). */
    caller?: CallerKind;
  }

  interface FastifyRequest {
    /** The authenticated caller; set by the auth plugin on /v1 routes. */
    tenant: TenantContext | null;
    /** The caller sent the right admin key (routes whose caller may be the admin). */
    admin: boolean;
    /** The meter's decision for this call; set by the meter plugin on metered routes. */
    decision: Decision | null;
    /**
     * Set by the meter plugin when the handler of a granted call was refused by a limit it enforces
     * itself (a holding: the memory store checks them with its write): the refusal's reason, for
     * which the charge is given back and the call counted as refused.
     */
    refusedFor: string | null;
    /**
     * Gives a granted call's charge back, at most once however often it is called (nothing for a
     * call that charged nothing). The meter plugin calls it on a failing status; the gateway for a
     * failure the status cannot tell, because the answer's headers had left before it (an upstream
     * that broke off its body). Only on /v1 routes, where the meter plugin runs.
     */
    giveBackCharge(reason?: string): Promise<void>;
    /** The give-back under way or done; null until giveBackCharge is first called. */
    chargeGivenBack: Promise<void> | null;
  }
}

export {};
