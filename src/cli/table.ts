import { escapeForTerminal } from './terminal-text.js';

/**
 * A plain text table: columns padded to their widest cell, numbers right-aligned, control
 * characters of any cell shown escaped (terminal-text.ts).
 */
export function formatTable(headerTexts: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const headers = headerTexts.map(escapeForTerminal);
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '' : typeof cell === 'number' ? cell.toLocaleString('en-US') : escapeForTerminal(cell))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
