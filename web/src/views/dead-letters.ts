import { h } from '../dom.js';
import { formatNumber } from '../format.js';
import type { OrganizationJson, OutboxEntryJson } from '../types.js';
import { ENTRY_COLUMNS, entryCells } from './deliveries.js';
import { dataTable } from './table.js';

export type RetryTarget = { ids: string[] } | { organizationId: string };

export interface DeadLettersViewOptions {
  readonly entries: readonly OutboxEntryJson[];
  /** The most entries asked for: when as many came back, there may be more. */
  readonly limit: number;
  readonly organizations: readonly OrganizationJson[];
  /** What the last retry did, said once. */
  readonly message: string | null;
  readonly onRetry: (target: RetryTarget) => Promise<void>;
}

/** The admin's dead letters, per organization, each one or all of an organization put back with a button. */
export function deadLettersView(options: DeadLettersViewOptions): HTMLElement {
  const names = new Map(options.organizations.map((o) => [o.id, o.name]));
  const groups = new Map<string, OutboxEntryJson[]>();
  for (const entry of options.entries) groups.set(entry.organization_id, [...(groups.get(entry.organization_id) ?? []), entry]);
  const retryButton = (label: string, target: RetryTarget, attributes: Record<string, string>) => {
    const button = h('button', { type: 'button', ...attributes }, label);
    button.addEventListener('click', () => {
      button.disabled = true;
      void options.onRetry(target).finally(() => (button.disabled = false));
    });
    return button;
  };
  return h(
    'div',
    { class: 'dead-letters', 'data-view': 'dead-letters' },
    h(
      'section',
      { class: 'overview', 'aria-labelledby': 'overview-title' },
      h('div', { class: 'heading' }, h('h1', { id: 'overview-title' }, 'Dead letters')),
      h('p', { class: 'hint' }, 'Webhook deliveries and meter events that were given up on, newest first. Retry puts them back to be delivered now.'),
      h('p', { class: 'flash', role: 'status', id: 'dead-letters-status' }, options.message ?? ''),
    ),
    options.entries.length === 0 ? h('div', { class: 'card' }, h('p', { class: 'muted empty', id: 'dead-letters-empty' }, 'No dead letter: everything was delivered or is still being tried.')) : null,
    options.entries.length >= options.limit ? h('p', { class: 'hint' }, `The ${formatNumber(options.limit)} newest are shown; retrying an organization puts back all of its dead letters.`) : null,
    ...[...groups].map(([organizationId, entries], i) => {
      const name = names.get(organizationId) ?? organizationId;
      const id = `dead-letters-${i}`;
      return h(
        'section',
        { class: 'card', id, 'aria-labelledby': `${id}-title`, 'data-organization-id': organizationId },
        h(
          'div',
          { class: 'group-head' },
          h('h2', { id: `${id}-title` }, name, ' ', h('span', { class: 'muted' }, `· ${formatNumber(entries.length)} shown`)),
          retryButton(`Retry all of ${name}`, { organizationId }, { class: 'primary', 'data-retry': 'organization' }),
        ),
        dataTable({
          id: `${id}-table`,
          caption: `Dead letters of ${name}`,
          empty: '',
          columns: [...ENTRY_COLUMNS, { title: 'Destination' }, { title: 'Retry' }],
          rows: entries.map((entry) => ({
            key: entry.id,
            cells: [
              ...entryCells(entry),
              entry.topic === 'meter' ? 'Meter event' : h('span', {}, 'Webhook', h('code', { class: 'th-note' }, entry.endpoint_id ?? '')),
              retryButton('Retry', { ids: [entry.id] }, { class: 'small-button', 'data-retry': 'entry', 'aria-label': `Retry ${entry.type} ${entry.event_id}` }),
            ],
          })),
        }),
      );
    }),
  );
}
