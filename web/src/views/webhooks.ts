import { h } from '../dom.js';
import { formatDate, formatNumber } from '../format.js';
import type { DeliveryState, OutboxEntryJson, WebhookEndpointJson } from '../types.js';
import { deliveriesTable, STATE_WORDS } from './deliveries.js';

/** How many deliveries of an endpoint are shown at first, and how many more each "Show more" adds. */
export const DELIVERIES_PAGE = 50;
const MAX_SHOWN = 1000;

export interface EndpointDeliveries {
  readonly endpoint: WebhookEndpointJson;
  readonly deliveries: readonly OutboxEntryJson[];
}

export interface WebhooksViewOptions {
  readonly title: string;
  readonly endpoints: readonly EndpointDeliveries[];
  readonly deliveryState: DeliveryState | null;
  /** The admin's organization choice; null for an API key. */
  readonly organizationFilter: HTMLElement | null;
  readonly onDeliveryStateChange: (state: DeliveryState | null) => void;
  /** The endpoint's newest `limit` deliveries in the state shown. */
  readonly loadDeliveries: (webhookId: string, limit: number) => Promise<OutboxEntryJson[]>;
}

/** The organization's webhook endpoints, each with its newest deliveries: state, attempts, last status and error. */
export function webhooksView(options: WebhooksViewOptions): HTMLElement {
  const filter = h(
    'select',
    { id: 'filter-delivery-state', name: 'filter-delivery-state' },
    h('option', { value: '', selected: options.deliveryState === null }, 'All states'),
    ...(['failed', 'pending', 'delivered'] as const).map((s) => h('option', { value: s, selected: s === options.deliveryState }, s === 'failed' ? 'Failed (dead letters)' : STATE_WORDS[s])),
  );
  filter.addEventListener('change', () => options.onDeliveryStateChange((filter.value || null) as DeliveryState | null));
  return h(
    'div',
    { class: 'webhooks', 'data-view': 'webhooks' },
    h(
      'section',
      { class: 'overview', 'aria-labelledby': 'overview-title' },
      h('div', { class: 'heading' }, h('h1', { id: 'overview-title' }, options.title)),
      h('form', { class: 'filters', 'aria-label': 'What to show' }, options.organizationFilter, h('div', { class: 'filter' }, h('label', { for: 'filter-delivery-state' }, 'Deliveries'), filter)),
    ),
    options.endpoints.length === 0
      ? h('div', { class: 'card' }, h('p', { class: 'muted empty', id: 'webhooks-empty' }, 'This organization has no webhook endpoint. Add one with POST /v1/webhooks.'))
      : null,
    ...options.endpoints.map((item, i) => endpointView(item, i, options)),
  );
}

function endpointView({ endpoint, deliveries }: EndpointDeliveries, index: number, options: WebhooksViewOptions): HTMLElement {
  const id = `webhook-${index}`;
  const empty = options.deliveryState === null ? 'No delivery yet.' : `No ${STATE_WORDS[options.deliveryState].toLowerCase()} delivery.`;
  const tableId = `deliveries-${index}`;
  const holder = h('div', {}, deliveriesTable(tableId, endpoint.url, deliveries, empty));
  const more = h('div', { class: 'actions' });
  const note = h('p', { class: 'hint', role: 'status' });
  const showMore = (shown: number) => {
    more.replaceChildren();
    if (shown < DELIVERIES_PAGE || shown >= MAX_SHOWN) return;
    note.textContent = `The ${formatNumber(shown)} newest are shown.`;
    const button = h('button', { type: 'button' }, 'Show more');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const next = await options.loadDeliveries(endpoint.id, Math.min(MAX_SHOWN, shown + DELIVERIES_PAGE));
        holder.replaceChildren(deliveriesTable(tableId, endpoint.url, next, empty));
        note.textContent = '';
        showMore(next.length);
      } catch (error) {
        note.textContent = error instanceof Error ? error.message : 'The deliveries could not be loaded.';
        button.disabled = false;
      }
    });
    more.append(button);
  };
  showMore(deliveries.length);
  return h(
    'section',
    { class: 'card endpoint', id, 'aria-labelledby': `${id}-title`, 'data-webhook-id': endpoint.id },
    h('h2', { id: `${id}-title`, class: 'endpoint-url' }, endpoint.url),
    h(
      'p',
      { class: 'endpoint-meta' },
      ...endpoint.event_types.map((type) => h('span', { class: 'tag', 'data-event-type': type }, type)),
      h('span', { class: 'muted' }, `Added ${formatDate(endpoint.created_at)} · `, h('code', {}, endpoint.id)),
    ),
    holder,
    note,
    more,
  );
}
