import { h, section } from '../dom.js';
import { formatNumber, formatPercent } from '../format.js';
import { LEVEL_WORDS } from '../levels.js';
import { limitColumns, type LimitBar, type LimitColumn } from '../limits-model.js';
import type { UsageReport } from '../types.js';

const SCOPE_WORDS: Record<LimitBar['scope'], string> = { organization: '', namespace: 'Namespace', api_key: 'Key' };
const TYPE_TITLES = { mini: 'Mini interactions', premium: 'Premium interactions' } as const;

/** Usage against each limit, per interaction type and scope: blue, amber from 80 %, red from 95 %. */
export function limitsView(report: UsageReport): HTMLElement {
  const columns = limitColumns(report);
  return section(
    'limits',
    'Limits this period',
    h('div', { class: 'limit-columns' }, ...columns.map((column) => columnView(column, report.plan.metered_billing))),
  );
}

function columnView(column: LimitColumn, meteredBilling: boolean): HTMLElement {
  return h(
    'div',
    { class: 'limit-column', 'data-type': column.type },
    h('h3', {}, TYPE_TITLES[column.type]),
    column.bars.length === 0 ? h('p', { class: 'muted' }, `Nothing in this view has a ${column.type} limit of its own.`) : null,
    h('ul', { class: 'limits', role: 'list' }, ...column.bars.map((bar) => h('li', {}, barView(bar, meteredBilling)))),
    column.organizationLimit !== null
      ? h('p', { class: 'hint' }, `The organization's limit of ${formatNumber(column.organizationLimit)} applies too, to the usage of all its namespaces together.`)
      : null,
  );
}

function barView(bar: LimitBar, meteredBilling: boolean): HTMLElement {
  const name = [SCOPE_WORDS[bar.scope], bar.name].filter(Boolean).join(' ');
  const attributes = { class: `limit level-${bar.level}`, 'data-scope': bar.scope, 'data-id': bar.id, 'data-type': bar.type, 'data-level': bar.level };
  if (bar.limit === null) {
    return h('div', attributes, h('div', { class: 'limit-head' }, h('span', { class: 'limit-name' }, name), h('span', {}, h('strong', { class: 'used' }, formatNumber(bar.used)), ' used · no limit')));
  }
  const ratio = bar.limit === 0 ? 1 : bar.used / bar.limit;
  const fill = h('div', { class: 'meter-fill' });
  // A sliver shows that something is used, however little.
  fill.style.width = bar.used === 0 ? '0' : `${Math.min(100, Math.max(0.75, ratio * 100))}%`;
  const over = bar.used - bar.limit;
  const left =
    over > 0
      ? `${formatNumber(over)} over${bar.scope === 'organization' && meteredBilling ? ', billed as overage' : ''}`
      : `${formatNumber(bar.limit - bar.used)} left`;
  return h(
    'div',
    attributes,
    h(
      'div',
      { class: 'limit-head' },
      h('span', { class: 'limit-name' }, name),
      h('span', { class: 'limit-figure' }, h('strong', { class: 'used' }, formatNumber(bar.used)), ' of ', h('span', { class: 'limit-value' }, formatNumber(bar.limit))),
    ),
    h(
      'div',
      {
        class: 'meter',
        role: 'meter',
        'aria-label': `${name}: ${formatNumber(bar.used)} of ${formatNumber(bar.limit)} ${bar.type} interactions`,
        'aria-valuemin': 0,
        'aria-valuemax': bar.limit,
        'aria-valuenow': Math.min(bar.used, bar.limit),
      },
      fill,
    ),
    h(
      'div',
      { class: 'limit-foot' },
      h('span', {}, formatPercent(ratio)),
      LEVEL_WORDS[bar.level] ? h('span', { class: `badge badge-${bar.level}` }, LEVEL_WORDS[bar.level]) : null,
      h('span', { class: 'left' }, left),
    ),
  );
}
