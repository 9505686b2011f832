import { h, section } from '../dom.js';
import { capitalize, formatNumber } from '../format.js';
import type { UsageReport } from '../types.js';
import { usageCells, usageColumns } from './scope-cells.js';
import { dataTable } from './table.js';

/** Each namespace in view, with its usage against its own limits (or the organization's). */
export function namespacesView(report: UsageReport): HTMLElement {
  return section(
    'namespaces',
    'By namespace',
    dataTable({
      id: 'namespaces-table',
      caption: 'Usage by namespace',
      empty: 'No namespace in view.',
      columns: [{ title: 'Namespace' }, ...usageColumns('Limit'), { title: 'Refused', numeric: true }],
      rows: report.namespaces.map((ns) => ({
        key: ns.namespace_id,
        cells: [
          h(
            'span',
            { class: 'name' },
            ns.name ?? h('span', { class: 'muted' }, `${ns.namespace_id} (deleted)`),
            ns.environment_type ? h('span', { class: 'tag' }, capitalize(ns.environment_type)) : null,
            ns.name !== null && !ns.is_active ? h('span', { class: 'tag tag-off' }, 'Inactive') : null,
          ),
          ...usageCells(ns.interactions.mini, "Organization's"),
          ...usageCells(ns.interactions.premium, "Organization's"),
          formatNumber(ns.refused),
        ],
      })),
    }),
  );
}
