import { toExtendedJson, toParseMongoDocument } from '../stores/parse/parse-mapper.js';
import type { InteractionRecord } from '../stores/contract/index.js';
import { jsonForTerminal } from './terminal-text.js';

export type ExportRow = Record<string, string | number | boolean | null>;

/** Writes rows as they come, so an export of millions never sits in memory whole. */
export interface ExportWriter {
  write(rows: readonly ExportRow[]): void;
  end(): void;
}

/** How `tollgate export` writes its rows; a new format is one more entry. */
export interface ExportFormat {
  readonly description: string;
  /** Only Interaction records have a MongoDB form. */
  readonly recordsOnly?: boolean;
  open(columns: readonly string[], out: (text: string) => void): ExportWriter;
}

export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = {
  json: {
    description: 'a JSON array of objects',
    open(_columns, out) {
      let first = true;
      out('[');
      return {
        write(rows) {
          for (const row of rows) {
            out(`${first ? '\n' : ',\n'}  ${jsonForTerminal(row, 0)}`);
            first = false;
          }
        },
        end: () => out(first ? ']\n' : '\n]\n'),
      };
    },
  },
  csv: {
    description: 'comma-separated values with a header line (RFC 4180 quoting)',
    open(columns, out) {
      out(columns.map(csvField).join(',') + '\r\n');
      return {
        write(rows) {
          out(rows.map((row) => columns.map((c) => csvField(row[c] ?? null)).join(',') + '\r\n').join(''));
        },
        end() {},
      };
    },
  },
  'parse-mongo': {
    description: 'one MongoDB document per line, as Parse Server stores Interaction in MongoDB (for mongoimport --collection Interaction)',
    recordsOnly: true,
    open(_columns, out) {
      return {
        write(rows) {
          for (const row of rows) out(toExtendedJson(toParseMongoDocument(row as unknown as InteractionRecord)) + '\n');
        },
        end() {},
      };
    },
  },
};

/**
 * Text a spreadsheet would run as a formula (OWASP's CSV injection): a cell opening with = + - @,
 * a tab or a line break, or the full-width = + - @ that some spreadsheets also read as formulas.
 * Such text (an idempotency key: tenants choose it) is written with a leading ' and quoted;
 * numbers and booleans are never text, so -5 stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/;

function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
