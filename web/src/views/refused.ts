import { section } from '../dom.js';
import { formatNumber, reasonLabel } from '../format.js';
import type { UsageReport } from '../types.js';
import { dataTable } from './table.js';

/** Calls refused in the period, by why. Refused calls cost nothing. */
export function refusedView(report: UsageReport): HTMLElement {
  return section(
    'refused',
    'Refused calls',
    dataTable({
      id: 'refused-table',
      caption: 'Refused calls by reason',
      empty: 'No call was refused in this period.',
      columns: [{ title: 'Reason' }, { title: 'Calls', numeric: true }],
      rows: report.refused_by_reason.map((r) => ({ key: r.reason, cells: [reasonLabel(r.reason), formatNumber(r.calls)] })),
    }),
  );
}
