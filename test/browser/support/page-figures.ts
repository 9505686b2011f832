import type { Page } from 'playwright-core';

/** A figure as the page shows it ("1,234" → 1234); null for a cell with no figure ("—", "No cap"). */
export function figure(text: string | null | undefined): number | null {
  const digits = (text ?? '').replace(/[^\d]/g, '');
  return digits === '' ? null : Number(digits);
}

/** The rows of a table on the page: each row's data-key (or data-day) and its cells' text. */
export async function tableRows(page: Page, tableId: string): Promise<{ key: string; cells: string[] }[]> {
  return page.$$eval(`#${tableId} tbody tr`, (rows) =>
    rows.map((row) => ({
      key: (row as HTMLElement).dataset.key ?? (row as HTMLElement).dataset.day ?? '',
      cells: [...row.children].map((cell) => (cell.textContent ?? '').trim()),
    })),
  );
}

export async function totals(page: Page): Promise<Record<string, number | null>> {
  const pairs = await page.$$eval('[data-field$="-used"], [data-field="calls"], [data-field="refused"]', (nodes) => nodes.map((n) => [(n as HTMLElement).dataset.field!, n.textContent ?? '']));
  return Object.fromEntries(pairs.map(([field, text]) => [field, figure(text)]));
}

export interface BarOnPage {
  readonly scope: string;
  readonly id: string;
  readonly type: string;
  readonly level: string;
  readonly used: number | null;
  readonly limit: number | null;
  /** The fill's computed colour. */
  readonly colour: string | null;
}

export async function limitBars(page: Page): Promise<BarOnPage[]> {
  const bars = await page.$$eval('.limit', (nodes) =>
    nodes.map((n) => {
      const el = n as HTMLElement;
      const fill = el.querySelector('.meter-fill');
      return {
        scope: el.dataset.scope ?? '',
        id: el.dataset.id ?? '',
        type: el.dataset.type ?? '',
        level: el.dataset.level ?? '',
        used: el.querySelector('.used')?.textContent ?? null,
        limit: el.querySelector('.limit-value')?.textContent ?? null,
        colour: fill ? getComputedStyle(fill).backgroundColor : null,
      };
    }),
  );
  return bars.map((b) => ({ ...b, used: figure(b.used), limit: figure(b.limit) }));
}

/** Waits until the page has finished loading what a sign-in, a filter change or another view asked for. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.getElementById('app')?.hasAttribute('aria-busy') && document.querySelector('[data-field="mini-used"], [data-view], .notice, .sign-in'));
}
