import { h } from '../dom.js';
import { formatNumber } from '../format.js';
import { levelOf } from '../levels.js';
import type { TypeUsage } from '../types.js';
import type { Column } from './table.js';

/** Used, limit and remaining of one interaction type of a namespace or key; `inherited` names what applies when it has no limit of its own. */
export function usageCells(usage: TypeUsage, inherited: string): (Node | string)[] {
  if (usage.limit === null) return [formatNumber(usage.used), h('span', { class: 'muted' }, inherited), h('span', { class: 'muted' }, '—')];
  const level = levelOf(usage.used, usage.limit);
  return [
    h('span', { class: `level-text-${level}` }, formatNumber(usage.used)),
    formatNumber(usage.limit),
    h('span', { class: `level-text-${level}` }, formatNumber(usage.remaining ?? 0)),
  ];
}

/** The columns usageCells fills, for mini then premium: used, limit (or cap) and what is left. */
export function usageColumns(limitTitle: 'Limit' | 'Cap'): Column[] {
  return (['Mini', 'Premium'] as const).flatMap((type) =>
    ['Used', limitTitle, 'Left'].map((title) => ({ title, numeric: true, group: `${type} interactions` })),
  );
}
