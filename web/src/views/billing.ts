import { h, section } from '../dom.js';
import { capitalize, formatNumber } from '../format.js';
import { levelOf } from '../levels.js';
import { INTERACTION_TYPES, type TypeBilling, type UsageReport } from '../types.js';
import { dataTable } from './table.js';

/**
 * Under metered billing, per interaction type: what the plan includes, what was used, the overage
 * billed past the included amount, and the spending ceiling. Null when the report has no billing
 * figures (no metered billing, or a namespace or key in view: they are the organization's).
 */
export function billingView(report: UsageReport): HTMLElement | null {
  const billing = report.billing;
  if (billing === null) return null;
  return section(
    'billing',
    'Metered billing',
    h(
      'p',
      { class: 'hint' },
      'What the plan includes is used first; interactions past it are overage, billed on top. ',
      'The spending ceiling caps the interactions billed in the month, included ones counted: calls that would go past it are refused.',
    ),
    dataTable({
      id: 'billing-table',
      caption: 'Metered billing by interaction type',
      empty: 'No interaction type is billed.',
      columns: [
        { title: 'Interactions' },
        { title: 'Included', numeric: true },
        { title: 'Used', numeric: true },
        { title: 'Overage', numeric: true, note: 'billed past included' },
        { title: 'Spending ceiling', numeric: true, note: 'included + overage' },
      ],
      rows: INTERACTION_TYPES.flatMap((type) => {
        const figures = billing[type];
        return figures ? [{ key: type, cells: billingCells(type, figures) }] : [];
      }),
    }),
  );
}

function billingCells(type: string, b: TypeBilling): (Node | string)[] {
  const level = b.ceiling === null ? 'ok' : levelOf(b.used, b.ceiling);
  return [
    capitalize(type),
    b.included === null ? h('span', { class: 'muted' }, 'No limit') : formatNumber(b.included),
    h('span', { class: `level-text-${level}` }, formatNumber(b.used)),
    formatNumber(b.overage),
    b.ceiling === null ? h('span', { class: 'muted' }, 'none') : formatNumber(b.ceiling),
  ];
}
