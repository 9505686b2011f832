import { TollgateError } from '../core/errors.js';
import type { ApiKey, Namespace } from '../core/tenants.js';
import type { ScopeDirectory } from './usage-scopes.js';

/** Who asks for usage: the operator (admin key), or an API key of one organization. */
export type UsageCaller = { readonly admin: true } | { readonly admin: false; readonly organizationId: string; readonly apiKey: ApiKey };

/** What the caller asks to see; absent fields mean "the caller's own". */
export interface UsageAsk {
  readonly organizationId?: string | undefined;
  readonly namespaceId?: string | undefined;
  readonly apiKeyId?: string | undefined;
  /** The whole organization, explicitly (a namespace key is refused rather than narrowed). */
  readonly wholeOrganization?: boolean;
}

/** What the caller may see: the scope of the report, and whose key details it shows. */
export interface UsageView {
  readonly organizationId: string;
  readonly namespace: Namespace | null;
  readonly apiKey: ApiKey | null;
  /** Keys whose name, prefix and permissions the report shows: all (a caller that manages keys), or only the caller's own. */
  readonly keyDetails: 'all' | { readonly only: string };
}

const denied = (message: string) => new TollgateError('PERMISSION_DENIED', { message });

/**
 * The one rule for every surface that reports usage (GET /v1/usage, the /functions, the dashboard):
 * an API key needs the read permission and sees its own organization only; a namespace key sees its
 * own namespace only, and keys of that namespace; another key's name, prefix and permissions are
 * shown only to a caller that may manage keys (an organization key with write, or the operator).
 */
export async function resolveUsageView(directory: ScopeDirectory, caller: UsageCaller, ask: UsageAsk): Promise<UsageView> {
  if (caller.admin) {
    if (!ask.organizationId) throw new TollgateError('VALIDATION_FAILED', { message: 'organizationId is required with the admin key.', details: { field: 'organizationId' } });
    const namespace = ask.namespaceId ? await namespaceOf(directory, ask.organizationId, ask.namespaceId) : null;
    const apiKey = ask.apiKeyId ? await keyOf(directory, ask.organizationId, ask.apiKeyId, namespace?.id ?? null) : null;
    return { organizationId: ask.organizationId, namespace, apiKey, keyDetails: 'all' };
  }
  const key = caller.apiKey;
  if (!key.permissions.includes('read')) {
    throw new TollgateError('PERMISSION_DENIED', {
      message: `This API key lacks the "read" permission usage reports need (it has: ${key.permissions.join(', ')}).`,
      details: { required_permission: 'read', permissions: key.permissions },
    });
  }
  const organizationId = caller.organizationId;
  if (ask.organizationId && ask.organizationId !== organizationId) throw denied("An API key reads its own organization's usage only.");
  let namespaceId = ask.namespaceId;
  if (key.kind === 'namespace') {
    if (ask.wholeOrganization || (namespaceId && namespaceId !== key.namespaceId)) throw denied('A namespace key reads its own namespace’s usage only.');
    namespaceId = key.namespaceId!;
  }
  const namespace = namespaceId ? await namespaceOf(directory, organizationId, namespaceId) : null;
  const apiKey = ask.apiKeyId ? await keyOf(directory, organizationId, ask.apiKeyId, namespace?.id ?? null) : null;
  const managesKeys = key.kind === 'organization' && key.permissions.includes('write');
  return { organizationId, namespace, apiKey, keyDetails: managesKeys ? 'all' : { only: key.id } };
}

async function namespaceOf(directory: ScopeDirectory, organizationId: string, id: string): Promise<Namespace> {
  const ns = await directory.getNamespace(id).catch(() => null);
  if (!ns || ns.organizationId !== organizationId) throw denied(`Namespace "${id}" is not part of this organization.`);
  return ns;
}

async function keyOf(directory: ScopeDirectory, organizationId: string, id: string, namespaceId: string | null): Promise<ApiKey> {
  const key = await directory.getApiKey(id).catch(() => null);
  if (!key || key.organizationId !== organizationId || (namespaceId !== null && key.namespaceId !== namespaceId)) {
    throw denied(`API key "${id}" is not part of this organization${namespaceId ? ' and namespace' : ''}.`);
  }
  return key;
}
