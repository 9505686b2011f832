/**
 * What the page shows — the organization (for the admin), month, namespace and key — kept in the
 * URL's fragment so a view can be reloaded or shared. Only ids go there, never a key.
 */
import type { UsageFilters } from './api.js';

export interface ViewState extends UsageFilters {
  readonly organizationId: string | null;
}

const FIELDS = { organizationId: 'org', month: 'month', namespaceId: 'namespace', apiKeyId: 'key' } as const;

export function readViewState(): ViewState {
  const params = new URLSearchParams(location.hash.slice(1));
  const get = (name: string) => params.get(name) || null;
  const month = get(FIELDS.month);
  return {
    organizationId: get(FIELDS.organizationId),
    month: month && /^\d{4}-\d{2}$/.test(month) ? month : null,
    namespaceId: get(FIELDS.namespaceId),
    apiKeyId: get(FIELDS.apiKeyId),
  };
}

export function writeViewState(state: ViewState): void {
  const params = new URLSearchParams();
  for (const [field, name] of Object.entries(FIELDS) as [keyof ViewState, string][]) {
    const value = state[field];
    if (value) params.set(name, value);
  }
  const hash = params.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}
