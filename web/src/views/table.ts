import { h, scrollTable } from '../dom.js';

type Cell = Node | string | number | null;

export interface Column {
  readonly title: string;
  /** Right-aligned, tabular figures. */
  readonly numeric?: boolean;
  /** A second line under the title. */
  readonly note?: string;
  /** Consecutive columns with the same group share a header above theirs. */
  readonly group?: string;
}

/** A table whose first cell in each row is that row's header; empty tables say so. */
export function dataTable(options: { id: string; caption: string; columns: readonly Column[]; rows: readonly { key: string; cells: readonly Cell[] }[]; empty: string }): HTMLElement {
  if (options.rows.length === 0) return h('p', { class: 'muted empty', id: options.id }, options.empty);
  const runs = groupRuns(options.columns);
  const grouped = runs.some((run) => run.group !== undefined);
  const title = (c: Column) => [c.title, c.note ? h('span', { class: 'th-note' }, c.note) : null];
  const numeric = (c: Column | undefined) => (c?.numeric ? 'num' : null);
  const head = grouped
    ? [
        h(
          'tr',
          {},
          ...runs.map((run) =>
            run.group === undefined
              ? h('th', { scope: 'col', rowspan: 2, class: numeric(run.columns[0]) }, ...title(run.columns[0]!))
              : h('th', { scope: 'colgroup', colspan: run.columns.length, class: 'group' }, run.group),
          ),
        ),
        h('tr', {}, ...runs.filter((run) => run.group !== undefined).flatMap((run) => run.columns.map((c) => h('th', { scope: 'col', class: numeric(c) }, ...title(c))))),
      ]
    : [h('tr', {}, ...options.columns.map((c) => h('th', { scope: 'col', class: numeric(c) }, ...title(c))))];
  const table = h(
    'table',
    { id: options.id, class: 'numbers' },
    h('caption', { class: 'visually-hidden' }, options.caption),
    ...runs.map((run) => h('colgroup', { span: run.columns.length, class: run.group ? 'group' : null })),
    h('thead', {}, ...head),
    h(
      'tbody',
      {},
      ...options.rows.map((row) =>
        h('tr', { 'data-key': row.key }, ...row.cells.map((cell, i) => (i === 0 ? h('th', { scope: 'row', class: numeric(options.columns[i]) }, cell) : h('td', { class: numeric(options.columns[i]) }, cell)))),
      ),
    ),
  );
  return scrollTable(options.caption, table);
}

function groupRuns(columns: readonly Column[]): { group: string | undefined; columns: Column[] }[] {
  const runs: { group: string | undefined; columns: Column[] }[] = [];
  for (const column of columns) {
    const last = runs.at(-1);
    if (last && column.group !== undefined && last.group === column.group) last.columns.push(column);
    else runs.push({ group: column.group, columns: [column] });
  }
  return runs;
}
