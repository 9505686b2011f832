import type { Namespace, Organization } from '../../core/tenants.js';
import type { NamespacePatch, NewOrganization, OrganizationPatch } from '../contract/index.js';

/** The organization a NewOrganization describes, before it has any namespace. */
export function newOrganizationRecord(input: NewOrganization): Organization {
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

/** An organization after a patch: absent fields keep their value; the subscription merges field by field. */
export function applyOrganizationPatch(current: Organization, patch: OrganizationPatch): Organization {
  return {
    ...current,
    name: patch.name ?? current.name,
    subscription: { ...current.subscription, ...patch.subscription },
    rateLimits: patch.rateLimits ?? current.rateLimits,
    defaultNamespaceId: patch.defaultNamespaceId === undefined ? current.defaultNamespaceId : patch.defaultNamespaceId,
  };
}

export function applyNamespacePatch(current: Namespace, patch: NamespacePatch, updatedAt: number): Namespace {
  return {
    ...current,
    name: patch.name ?? current.name,
    environmentType: patch.environmentType ?? current.environmentType,
    isActive: patch.isActive ?? current.isActive,
    rateLimits: patch.rateLimits ?? current.rateLimits,
    updatedAt,
  };
}
