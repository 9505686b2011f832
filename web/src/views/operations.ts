import { h, section } from '../dom.js';
import { formatNumber, formatPercent } from '../format.js';
import type { UsageReport } from '../types.js';
import { dataTable } from './table.js';

/** Which operations the interactions went to, most first, with each one's share. */
export function operationsView(report: UsageReport): HTMLElement {
  const groups = [...report.by_operation_type].sort((a, b) => b.interactions - a.interactions || b.calls - a.calls);
  const total = groups.reduce((s, g) => s + g.interactions, 0);
  return section(
    'operations',
    'By operation',
    dataTable({
      id: 'operations-table',
      caption: 'Usage by operation',
      empty: 'No calls in this period.',
      columns: [{ title: 'Operation' }, { title: 'Interactions', numeric: true }, { title: 'Calls', numeric: true }, { title: 'Refused', numeric: true }, { title: 'Share' }],
      rows: groups.map((g) => {
        const share = total === 0 ? 0 : g.interactions / total;
        const fill = h('span', { class: 'share-fill' });
        fill.style.width = `${share * 100}%`;
        return {
          key: String(g.operation_type),
          cells: [
            h('code', {}, String(g.operation_type)),
            formatNumber(g.interactions),
            formatNumber(g.calls),
            formatNumber(g.refused),
            h('span', { class: 'share' }, h('span', { class: 'share-track', 'aria-hidden': 'true' }, fill), formatPercent(share)),
          ],
        };
      }),
    }),
  );
}
