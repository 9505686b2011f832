import { h, section, svg } from '../dom.js';
import { formatDay, formatNumber } from '../format.js';
import type { DayUsage, InteractionType, UsageReport } from '../types.js';

const WIDTH = 640;
const HEIGHT = 160;
const PAD = { top: 10, right: 8, bottom: 22, left: 44 };
const DAY_MS = 24 * 60 * 60 * 1000;

/** Interactions per day for each type, over the whole period; the figures are also in a table. */
export function dailyView(report: UsageReport): HTMLElement {
  const days = periodDays(report.period);
  const byDay = new Map(report.daily.map((d) => [d.day, d]));
  return section(
    'daily',
    'Daily usage',
    h('div', { class: 'charts' }, chart('mini', 'Mini interactions per day', days, byDay), chart('premium', 'Premium interactions per day', days, byDay)),
    h('details', {}, h('summary', {}, 'Show the figures as a table'), dailyTable(report.daily)),
  );
}

function periodDays(period: { start: string; end: string }): string[] {
  const days: string[] = [];
  for (let at = Date.parse(period.start); at < Date.parse(period.end); at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

function niceCeiling(value: number): number {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value)! * power;
  return step;
}

function chart(type: InteractionType, title: string, days: string[], byDay: Map<string, DayUsage>): HTMLElement {
  const values = days.map((day) => byDay.get(day)?.[type] ?? 0);
  const max = niceCeiling(Math.max(0, ...values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / days.length;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const grid = [0, max / 2, max].map((v) =>
    svg('g', { class: 'grid' }, svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }), svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, formatNumber(v))),
  );
  const bars = days.map((day, i) => {
    const usage = byDay.get(day);
    const value = usage?.[type] ?? 0;
    const x = PAD.left + i * slot + slot * 0.15;
    const height = Math.max(value > 0 ? 1 : 0, (value / max) * plotH);
    const label = usage ? `${formatDay(day)}: ${formatNumber(value)} ${type} interactions, ${formatNumber(usage.calls)} calls, ${formatNumber(usage.refused)} refused` : `${formatDay(day)}: not yet`;
    return svg('rect', { class: usage ? 'bar' : 'bar future', x, y: y(0) - height, width: slot * 0.7, height }, svg('title', {}, label));
  });
  const ticks = days.flatMap((day, i) => {
    const date = Number(day.slice(8));
    if (i !== 0 && date % 5 !== 0) return [];
    return [svg('text', { class: 'tick', x: PAD.left + (i + 0.5) * slot, y: HEIGHT - 6, 'text-anchor': 'middle' }, formatDay(day))];
  });
  const total = values.reduce((s, v) => s + v, 0);
  // Days of the period still to come are shaded, so that they do not read as days without use.
  const firstFuture = days.findIndex((day) => !byDay.has(day));
  const future =
    firstFuture < 0
      ? null
      : svg('rect', { class: 'future-days', x: PAD.left + firstFuture * slot, y: PAD.top, width: (days.length - firstFuture) * slot, height: plotH }, svg('title', {}, 'Days still to come'));
  const empty = total === 0 ? svg('text', { class: 'empty-note', x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' }, `No ${type} interactions in this period`) : null;
  return h(
    'figure',
    { class: 'chart', 'data-type': type },
    h('figcaption', {}, title, h('span', { class: 'muted' }, ` · ${formatNumber(total)} this period`)),
    svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `${title}: ${formatNumber(total)} in the period, at most ${formatNumber(Math.max(0, ...values))} in a day` }, future, ...grid, ...bars, ...ticks, empty),
  );
}

function dailyTable(daily: UsageReport['daily']): HTMLTableElement {
  return h(
    'table',
    { class: 'numbers', id: 'daily-table' },
    h('caption', { class: 'visually-hidden' }, 'Usage per day'),
    h('thead', {}, h('tr', {}, ...['Day', 'Mini', 'Premium', 'Calls', 'Refused'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...daily.map((d) =>
        h('tr', { 'data-day': d.day }, h('th', { scope: 'row' }, formatDay(d.day)), h('td', {}, formatNumber(d.mini)), h('td', {}, formatNumber(d.premium)), h('td', {}, formatNumber(d.calls)), h('td', {}, formatNumber(d.refused))),
      ),
    ),
  );
}
