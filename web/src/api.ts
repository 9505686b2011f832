/** The dashboard's only contact with the server: the usage, webhook and admin APIs, with the key typed in. */
import type { Session } from './session.js';
import type { DeliveryState, OrganizationJson, OutboxEntryJson, UsageReport, WebhookEndpointJson } from './types.js';

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

async function requestJson<T>(session: Session, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { [session.kind === 'admin' ? 'x-admin-key' : 'x-api-key']: session.key };
  const init: RequestInit = { headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } });
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null, 'The server cannot be reached. Check your connection and try again.');
  }
  const answer = (await response.json().catch(() => null)) as { error_code?: string; message?: string } | null;
  if (!response.ok) throw new ApiError(response.status, answer?.error_code ?? null, answer?.message ?? `The server answered ${response.status}.`);
  return answer as T;
}

const getJson = <T>(session: Session, path: string) => requestJson<T>(session, path);

function query(filters: UsageFilters): string {
  // The dashboard lists up to the largest page of namespaces and keys a report carries.
  const params = new URLSearchParams({ limit: '1000' });
  if (filters.month) params.set('month', filters.month);
  if (filters.namespaceId) params.set('namespace_id', filters.namespaceId);
  if (filters.apiKeyId) params.set('api_key_id', filters.apiKeyId);
  return `?${params.toString()}`;
}

/** The admin reaches an organization's resources under /admin/organizations/:id; an API key its own under /v1. */
function organizationPath(session: Session, organizationId: string | null): string {
  if (session.kind !== 'admin') return '/v1';
  if (!organizationId) throw new ApiError(400, null, 'Choose an organization.');
  return `/admin/organizations/${encodeURIComponent(organizationId)}`;
}

/** GET /v1/usage with an API key; GET /admin/organizations/:id/usage (the same report) for the admin. */
export async function fetchUsage(session: Session, organizationId: string | null, filters: UsageFilters): Promise<UsageReport> {
  return getJson(session, `${organizationPath(session, organizationId)}/usage${query(filters)}`);
}

export async function fetchOrganizations(session: Session): Promise<OrganizationJson[]> {
  const page = await getJson<{ items: OrganizationJson[] }>(session, '/admin/organizations?limit=1000');
  return page.items;
}

/** The organization's webhook endpoints (an organization key, or the admin for the organization chosen). */
export async function fetchWebhooks(session: Session, organizationId: string | null): Promise<WebhookEndpointJson[]> {
  const list = await getJson<{ items: WebhookEndpointJson[] }>(session, `${organizationPath(session, organizationId)}/webhooks`);
  return list.items;
}

/** One endpoint's newest deliveries, in one state or all. */
export async function fetchDeliveries(session: Session, organizationId: string | null, webhookId: string, options: { state: DeliveryState | null; limit: number }): Promise<OutboxEntryJson[]> {
  const params = new URLSearchParams({ limit: String(options.limit) });
  if (options.state) params.set('state', options.state);
  const page = await getJson<{ items: OutboxEntryJson[] }>(session, `${organizationPath(session, organizationId)}/webhooks/${encodeURIComponent(webhookId)}/deliveries?${params.toString()}`);
  return page.items;
}

/** The admin's dead letters (webhooks and meter events that were given up on), newest first. */
export async function fetchDeadLetters(session: Session, limit: number): Promise<OutboxEntryJson[]> {
  const page = await getJson<{ items: OutboxEntryJson[] }>(session, `/admin/outbox?state=failed&limit=${limit}`);
  return page.items;
}

/** Puts dead letters back to be delivered now: these ids, or every one of an organization. */
export async function retryDeadLetters(session: Session, which: { ids: string[] } | { organizationId: string }): Promise<number> {
  const body = 'ids' in which ? { ids: which.ids } : { organization_id: which.organizationId };
  return (await requestJson<{ retried: number }>(session, '/admin/outbox/retry', body)).retried;
}
