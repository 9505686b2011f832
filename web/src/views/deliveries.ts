import { h } from '../dom.js';
import { formatDateTime, formatNumber } from '../format.js';
import type { DeliveryState, OutboxEntryJson } from '../types.js';
import { dataTable, type Column } from './table.js';

export const STATE_WORDS: Record<DeliveryState, string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed', merged: 'Merged' };

/**
 * The cells every list of outbox entries shares. All of it goes in as text: the last error is what
 * an arbitrary receiver answered.
 */
export const ENTRY_COLUMNS: readonly Column[] = [
  { title: 'Event' },
  { title: 'State' },
  { title: 'Attempts', numeric: true },
  { title: 'Last status', numeric: true },
  { title: 'Last error' },
  { title: 'Created', note: 'UTC' },
];

export function entryCells(entry: OutboxEntryJson): (Node | string)[] {
  return [
    h('span', { class: 'event' }, h('code', {}, entry.type), h('span', { class: 'th-note muted', title: 'Event id' }, entry.event_id)),
    h('span', { class: `tag tag-state-${entry.state}`, 'data-state': entry.state }, STATE_WORDS[entry.state]),
    formatNumber(entry.attempts),
    entry.last_status === null ? h('span', { class: 'muted' }, '—') : String(entry.last_status),
    entry.last_error === null ? h('span', { class: 'muted' }, '—') : h('span', { class: 'delivery-error' }, entry.last_error),
    formatDateTime(entry.created_at),
  ];
}

/** When the next attempt is due, or when it was delivered; nothing for a dead letter. */
function nextOrDelivered(entry: OutboxEntryJson): Node | string {
  if (entry.state === 'pending' && entry.next_attempt_at) return `Next attempt ${formatDateTime(entry.next_attempt_at)}`;
  if (entry.state === 'delivered' && entry.delivered_at) return `Delivered ${formatDateTime(entry.delivered_at)}`;
  if (entry.state === 'failed') return h('span', { class: 'muted' }, 'Given up');
  return h('span', { class: 'muted' }, '—');
}

/** One endpoint's deliveries, newest first. */
export function deliveriesTable(id: string, url: string, entries: readonly OutboxEntryJson[], empty: string): HTMLElement {
  return dataTable({
    id,
    caption: `Deliveries to ${url}`,
    empty,
    columns: [...ENTRY_COLUMNS, { title: 'Next attempt / delivered', note: 'UTC' }],
    rows: entries.map((entry) => ({ key: entry.id, cells: [...entryCells(entry), nextOrDelivered(entry)] })),
  });
}
