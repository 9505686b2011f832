import type { Organization } from '../../core/tenants.js';
import type { NewOrganization, OrganizationPatch } from '../contract.js';

/** The organization a NewOrganization describes, before it has a default namespace. */
export function newOrganization(input: NewOrganization): Organization {
  return {
    id: input.id,
    name: input.name,
    subscription: input.subscription,
    rateLimits: input.rateLimits,
    defaultNamespaceId: null,
    workspaceId: input.workspace.id,
    companyId: input.companyId,
    ownerUserId: input.owner.id,
    createdAt: input.createdAt,
  };
}

/** The organization after a patch: absent fields keep their value; the subscription merges field by field. */
export function patchOrganization(current: Organization, patch: OrganizationPatch): Organization {
  return {
    ...current,
    name: patch.name ?? current.name,
    subscription: { ...current.subscription, ...patch.subscription },
    rateLimits: patch.rateLimits ?? current.rateLimits,
    defaultNamespaceId: patch.defaultNamespaceId === undefined ? current.defaultNamespaceId : patch.defaultNamespaceId,
  };
}
