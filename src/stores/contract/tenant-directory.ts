/** Tenant directory. Part of the store contract (index.ts). */
import type { KeyLimits } from '../../core/key-limits.js';
import type { LimitOverrides } from '../../core/plans.js';
import type { ApiKey, EnvironmentType, Namespace, Organization, Subscription, User, Workspace } from '../../core/tenants.js';

export interface NewOrganization {
  readonly id: string;
  readonly name: string;
  readonly subscription: Subscription;
  readonly rateLimits: LimitOverrides;
  readonly companyId: string | null;
  readonly createdAt: number;
  /** Created with the organization: its workspace and owner user. */
  readonly workspace: { readonly id: string; readonly name: string };
  readonly owner: { readonly id: string; readonly name: string; readonly email: string | null };
}

export interface OrganizationPatch {
  readonly name?: string;
  readonly subscription?: Partial<Omit<Subscription, 'id'>>;
  readonly rateLimits?: LimitOverrides;
  readonly defaultNamespaceId?: string | null;
}

export type NewNamespace = Omit<Namespace, 'updatedAt'>;

export interface NamespacePatch {
  readonly name?: string;
  readonly environmentType?: EnvironmentType;
  readonly isActive?: boolean;
  readonly rateLimits?: LimitOverrides;
}

/** A key as created: everything but what only its use and revocation set. */
export type NewApiKey = Omit<ApiKey, 'lastUsedAt' | 'revokedAt'>;

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

/** What changed, so caches in every process can drop it. */
export type TenantChange =
  | { readonly kind: 'organization'; readonly id: string }
  | { readonly kind: 'namespace'; readonly id: string; readonly organizationId: string }
  | { readonly kind: 'api_key'; readonly id: string; readonly prefix: string };

export interface TenantDirectory {
  createOrganization(input: NewOrganization): Promise<Organization>;
  getOrganization(id: string): Promise<Organization | null>;
  listOrganizations(page: { readonly offset: number; readonly limit: number }): Promise<Page<Organization>>;
  /** Throws NOT_FOUND when there is no such organization. */
  updateOrganization(id: string, patch: OrganizationPatch): Promise<Organization>;

  createNamespace(input: NewNamespace): Promise<Namespace>;
  getNamespace(id: string): Promise<Namespace | null>;
  listNamespaces(organizationId: string, page: { readonly offset: number; readonly limit: number }): Promise<Page<Namespace>>;
  updateNamespace(id: string, patch: NamespacePatch): Promise<Namespace>;
  /** Deletes a namespace and revokes its keys. */
  deleteNamespace(id: string, atMs: number): Promise<void>;

  getUser(id: string): Promise<User | null>;
  getWorkspace(id: string): Promise<Workspace | null>;

  /**
   * Creates a key unless its organization, or its namespace, already has as many active keys (not
   * revoked, not expired at input.createdAt) as `limits` allow: then throws the error
   * keyLimitRefusal gives (429 RESOURCE_LIMIT_EXCEEDED, max_api_keys). The count and the insert
   * are one transaction where the store has them, so concurrent creations cannot pass the limit.
   */
  createApiKey(input: NewApiKey, limits: KeyLimits): Promise<ApiKey>;
  getApiKey(id: string): Promise<ApiKey | null>;
  /** The key whose visible prefix this is (prefixes are unique). */
  findApiKeyByPrefix(prefix: string): Promise<ApiKey | null>;
  listApiKeys(filter: { readonly organizationId: string; readonly namespaceId?: string }): Promise<ApiKey[]>;
  /** Sets revoked_at once; revoking again keeps the first time. Returns the key, or null if unknown. */
  revokeApiKey(id: string, atMs: number): Promise<ApiKey | null>;
  /** Records last use of keys (written in batches by the engine, at most once a minute per key). */
  touchApiKeys(touches: readonly { readonly id: string; readonly atMs: number }[]): Promise<void>;

  /**
   * Calls `listener` for every change made by any process sharing this store, within about a
   * second. Returns a function that stops watching.
   */
  watch(listener: (change: TenantChange) => void): () => void;
}
