import type { ApiKey, Namespace, Organization } from '../core/tenants.js';

/** Who is calling: the key, its organization and the namespace its calls act in. */
export interface TenantContext {
  readonly apiKey: ApiKey;
  readonly organization: Organization;
  /**
   * The namespace key's namespace, or for an organization key the organization's default
   * namespace; null when an organization key's organization has none yet.
   */
  readonly namespace: Namespace | null;
}
