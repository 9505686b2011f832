import { h, section } from '../dom.js';
import { formatDateTime, formatNumber } from '../format.js';
import type { ApiKeyUsage, UsageReport } from '../types.js';
import { usageCells, usageColumns } from './scope-cells.js';
import { dataTable } from './table.js';

/** Each key in view: where it works, when it was last used, and what is left of its monthly cap. */
export function apiKeysView(report: UsageReport): HTMLElement {
  const namespaceNames = new Map(report.namespaces.map((ns) => [ns.namespace_id, ns.name ?? ns.namespace_id]));
  return section(
    'api-keys',
    'By API key',
    dataTable({
      id: 'api-keys-table',
      caption: 'Usage by API key',
      empty: 'No API key in view.',
      columns: [
        { title: 'Key' },
        { title: 'Prefix' },
        { title: 'Namespace' },
        { title: 'Last used', note: 'UTC' },
        ...usageColumns('Cap'),
        { title: 'Refused', numeric: true },
      ],
      rows: report.api_keys.map((key) => ({
        key: key.api_key_id,
        cells: [
          // A key whose details this caller may not see (not one it manages) shows its id only.
          h('span', { class: 'name' }, key.name ?? h('span', { class: 'muted' }, 'Another key'), status(key)),
          key.prefix === null ? h('code', {}, key.api_key_id) : h('code', {}, `${key.prefix}…`),
          key.namespace_id === null ? h('span', { class: 'muted' }, 'Organization key') : (namespaceNames.get(key.namespace_id) ?? key.namespace_id),
          formatDateTime(key.last_used_at),
          ...usageCells(key.interactions.mini, 'None'),
          ...usageCells(key.interactions.premium, 'None'),
          formatNumber(key.refused),
        ],
      })),
    }),
  );
}

function status(key: ApiKeyUsage): HTMLElement | null {
  if (key.revoked_at !== null) return h('span', { class: 'tag tag-off' }, 'Revoked');
  if (key.expires_at !== null && Date.parse(key.expires_at) <= Date.now()) return h('span', { class: 'tag tag-off' }, 'Expired');
  return null;
}
