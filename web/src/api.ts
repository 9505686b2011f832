/** The dashboard's only contact with the server: the usage and admin APIs, with the key typed in. */
import type { Session } from './session.js';
import type { OrganizationJson, UsageReport } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

export interface UsageFilters {
  readonly month: string | null;
  readonly namespaceId: string | null;
  readonly apiKeyId: string | null;
}

async function getJson<T>(session: Session, path: string): Promise<T> {
  const headers: Record<string, string> = { [session.kind === 'admin' ? 'x-admin-key' : 'x-api-key']: session.key };
  let response: Response;
  try {
    response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, null, 'The server cannot be reached. Check your connection and try again.');
  }
  const body = (await response.json().catch(() => null)) as { error_code?: string; message?: string } | null;
  if (!response.ok) throw new ApiError(response.status, body?.error_code ?? null, body?.message ?? `The server answered ${response.status}.`);
  return body as T;
}

function query(filters: UsageFilters): string {
  // The dashboard lists up to the largest page of namespaces and keys a report carries.
  const params = new URLSearchParams({ limit: '1000' });
  if (filters.month) params.set('month', filters.month);
  if (filters.namespaceId) params.set('namespace_id', filters.namespaceId);
  if (filters.apiKeyId) params.set('api_key_id', filters.apiKeyId);
  return `?${params.toString()}`;
}

/** GET /v1/usage with an API key; GET /admin/organizations/:id/usage (the same report) for the admin. */
export async function fetchUsage(session: Session, organizationId: string | null, filters: UsageFilters): Promise<UsageReport> {
  if (session.kind === 'admin') {
    if (!organizationId) throw new ApiError(400, null, 'Choose an organization.');
    return getJson(session, `/admin/organizations/${encodeURIComponent(organizationId)}/usage${query(filters)}`);
  }
  return getJson(session, `/v1/usage${query(filters)}`);
}

export async function fetchOrganizations(session: Session): Promise<OrganizationJson[]> {
  const page = await getJson<{ items: OrganizationJson[] }>(session, '/admin/organizations?limit=1000');
  return page.items;
}
