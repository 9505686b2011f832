import { h } from '../dom.js';
import { capitalize, formatNumber, periodRange } from '../format.js';
import { levelOf } from '../levels.js';
import type { InteractionType, UsageReport } from '../types.js';

/** Whose usage, on which plan, in which period. */
export function headingView(report: UsageReport, title: string): HTMLElement {
  const plan = report.plan;
  const inactive = plan.subscription_status !== 'active' && plan.subscription_status !== 'trialing';
  return h(
    'div',
    { class: 'heading' },
    h('h1', { id: 'overview-title' }, title),
    h(
      'p',
      { class: 'plan' },
      h('span', { class: 'pill', 'data-field': 'tier' }, `${capitalize(plan.tier)} plan`),
      plan.is_trial ? h('span', { class: 'pill pill-info' }, 'Trial') : null,
      inactive ? h('span', { class: 'pill pill-critical' }, `Subscription ${plan.subscription_status.replace(/_/g, ' ')}`) : null,
      plan.metered_billing ? h('span', { class: 'pill' }, 'Metered billing') : null,
      h('span', { class: 'period', 'data-field': 'period' }, `${periodRange(report.period)} (UTC)`),
    ),
  );
}

/** The period's totals for what is in view. */
export function totalsView(report: UsageReport): HTMLElement {
  const calls = report.interactions.mini.calls + report.interactions.premium.calls;
  return h(
    'dl',
    { class: 'totals', 'aria-label': 'Totals this period' },
    typeTotal(report, 'mini', 'Mini interactions'),
    typeTotal(report, 'premium', 'Premium interactions'),
    total('calls', 'Calls', formatNumber(calls), 'including free ones'),
    total('refused', 'Refused calls', formatNumber(report.refused), report.refused > 0 ? 'reasons below' : 'none refused'),
  );
}

/**
 * Used, against the limit of the scope in view: the organization's for the whole organization;
 * for a namespace or a key, its own limit (the organization's is shared with the rest of it, so
 * "left" against it would not be what this namespace or key can still use).
 */
function typeTotal(report: UsageReport, type: InteractionType, label: string): HTMLElement {
  const used = report.interactions[type].used;
  const own =
    report.scope === 'organization'
      ? report.interactions[type]
      : report.scope === 'namespace'
        ? report.namespaces.find((n) => n.namespace_id === report.namespace_id)?.interactions[type]
        : report.api_keys.find((k) => k.api_key_id === report.api_key_id)?.interactions[type];
  const limit = own?.limit ?? null;
  const whose = { organization: '', namespace: ' of this namespace', api_key: ' of this key' }[report.scope];
  const none = { organization: 'no limit', namespace: 'this namespace has no limit of its own', api_key: 'this key has no cap of its own' }[report.scope];
  const note = limit === null ? none : `of ${formatNumber(limit)}${whose} · ${formatNumber(own?.remaining ?? 0)} left`;
  return total(`${type}-used`, label, formatNumber(used), note, limit === null ? 'ok' : levelOf(used, limit));
}

function total(field: string, label: string, value: string, note: string, level = 'ok'): HTMLElement {
  return h(
    'div',
    { class: `total level-${level}` },
    h('dt', {}, label),
    // elementtiming: the browser's Element Timing API reports when these figures are painted.
    h('dd', {}, h('span', { class: 'total-value', 'data-field': field, elementtiming: 'usage-totals' }, value), h('span', { class: 'total-note' }, note)),
  );
}
