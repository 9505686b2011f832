import { h } from '../dom.js';
import { monthLabel, recentMonths } from '../format.js';
import type { ViewState } from '../view-state.js';
import type { ApiKeyUsage, NamespaceUsage, OrganizationJson } from '../types.js';

export interface FilterOptions {
  /** The admin's organizations; null for an API key (its own organization only). */
  readonly organizations: readonly OrganizationJson[] | null;
  readonly currentMonth: string;
  readonly namespaces: readonly NamespaceUsage[];
  readonly apiKeys: readonly ApiKeyUsage[];
  /** A namespace key sees its own namespace only. */
  readonly namespaceLocked: boolean;
}

function select(id: string, label: string, value: string, options: [string, string][], onChange: (value: string) => void, disabled = false): HTMLElement {
  const element = h('select', { id, name: id, disabled }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  element.addEventListener('change', () => onChange(element.value));
  return h('div', { class: 'filter' }, h('label', { for: id }, label), element);
}

/** The admin's choice of organization: another one shows without the namespace and key chosen in the last. */
export function organizationFilter(state: ViewState, organizations: readonly OrganizationJson[], onChange: (next: ViewState) => void): HTMLElement {
  return select(
    'filter-organization',
    'Organization',
    state.organizationId ?? '',
    organizations.map((o) => [o.id, o.name]),
    (id) => onChange({ ...state, organizationId: id, namespaceId: null, apiKeyId: null }),
  );
}

/** Organization (admin), month, namespace and key; a change calls `onChange` with the new view. */
export function filtersView(state: ViewState, options: FilterOptions, onChange: (next: ViewState) => void): HTMLElement {
  const month = state.month ?? options.currentMonth;
  const keys = options.apiKeys.filter((k) => state.namespaceId === null || k.namespace_id === state.namespaceId);
  return h(
    'form',
    { class: 'filters', 'aria-label': 'What to show' },
    options.organizations ? organizationFilter(state, options.organizations, onChange) : null,
    select(
      'filter-month',
      'Period',
      month,
      recentMonths(options.currentMonth).map((m) => [m, m === options.currentMonth ? `${monthLabel(m)} (current)` : monthLabel(m)]),
      (m) => onChange({ ...state, month: m === options.currentMonth ? null : m }),
    ),
    select(
      'filter-namespace',
      'Namespace',
      state.namespaceId ?? '',
      [...(options.namespaceLocked ? [] : ([['', 'All namespaces']] as [string, string][])), ...options.namespaces.map((n): [string, string] => [n.namespace_id, n.name ?? n.namespace_id])],
      (id) => onChange({ ...state, namespaceId: id || null, apiKeyId: null }),
      options.namespaceLocked,
    ),
    select(
      'filter-key',
      'API key',
      state.apiKeyId ?? '',
      [['', 'All keys'], ...keys.map((k): [string, string] => [k.api_key_id, k.name === null ? k.api_key_id : `${k.name} (${k.prefix}…)`])],
      (id) => onChange({ ...state, apiKeyId: id || null }),
    ),
  );
}
