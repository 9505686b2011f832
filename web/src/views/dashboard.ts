import { h } from '../dom.js';
import type { UsageReport } from '../types.js';
import { apiKeysView } from './api-keys.js';
import { billingView } from './billing.js';
import { dailyView } from './daily-chart.js';
import { limitsView } from './limit-bars.js';
import { namespacesView } from './namespaces.js';
import { operationsView } from './operations.js';
import { headingView, totalsView } from './overview.js';
import { refusedView } from './refused.js';

/** Whose usage a report shows, in words: the organization, or the namespace or key it is narrowed to. */
export function reportTitle(report: UsageReport, organizationName: string | null): string {
  const org = organizationName ?? report.organization_name;
  if (report.scope === 'api_key') return `${org} · key ${report.api_keys[0]?.name ?? report.api_key_id}`;
  if (report.scope === 'namespace') return `${org} · ${report.namespaces[0]?.name ?? report.namespace_id}`;
  return org;
}

/** The whole page from one usage report, with the filters under its heading. */
export function dashboardView(report: UsageReport, title: string, filters: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'dashboard' },
    h('section', { class: 'overview', 'aria-labelledby': 'overview-title' }, headingView(report, title), filters, totalsView(report)),
    limitsView(report),
    billingView(report),
    dailyView(report),
    h('div', { class: 'two-columns' }, operationsView(report), refusedView(report)),
    namespacesView(report),
    apiKeysView(report),
  );
}
