/**
 * What the page shows — the view, the organization (for the admin), month, namespace and key, the
 * deliveries' state — kept in the URL's fragment so a view can be reloaded or shared. Only ids go
 * there, never a key.
 */
import type { UsageFilters } from './api.js';
import type { DeliveryState } from './types.js';

/** Usage (the default), an organization's webhooks and their deliveries, or the admin's dead letters. */
export type View = 'usage' | 'webhooks' | 'dead-letters';
const VIEWS: readonly View[] = ['usage', 'webhooks', 'dead-letters'];
const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed'];

export interface ViewState extends UsageFilters {
  readonly view: View;
  readonly organizationId: string | null;
  /** The webhooks view shows deliveries in this state only (null: all). */
  readonly deliveryState: DeliveryState | null;
}

const FIELDS = { view: 'view', organizationId: 'org', month: 'month', namespaceId: 'namespace', apiKeyId: 'key', deliveryState: 'deliveries' } as const;

export function readViewState(): ViewState {
  const params = new URLSearchParams(location.hash.slice(1));
  const get = (name: string) => params.get(name) || null;
  const month = get(FIELDS.month);
  const view = get(FIELDS.view);
  const deliveryState = get(FIELDS.deliveryState);
  return {
    view: VIEWS.find((v) => v === view) ?? 'usage',
    organizationId: get(FIELDS.organizationId),
    month: month && /^\d{4}-\d{2}$/.test(month) ? month : null,
    namespaceId: get(FIELDS.namespaceId),
    apiKeyId: get(FIELDS.apiKeyId),
    deliveryState: DELIVERY_STATES.find((s) => s === deliveryState) ?? null,
  };
}

/** The fragment of a state: a link to it. */
export function viewStateHash(state: ViewState): string {
  const params = new URLSearchParams();
  for (const [field, name] of Object.entries(FIELDS) as [keyof ViewState, string][]) {
    const value = state[field];
    if (value && !(field === 'view' && value === 'usage')) params.set(name, value);
  }
  const hash = params.toString();
  return hash ? `#${hash}` : '';
}

export function writeViewState(state: ViewState): void {
  const hash = viewStateHash(state);
  history.replaceState(null, '', hash || location.pathname + location.search);
}
