import { toExtendedJson, toParseMongoDocument } from '../stores/parse/parse-mapper.js';
import type { InteractionRecord } from '../stores/contract.js';

/** How `tollgate export` writes Interaction records; a new format is one more entry. */
export interface ExportFormat {
  readonly description: string;
  render(records: readonly InteractionRecord[]): string;
}

export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = {
  json: {
    description: 'a JSON array of Interaction records (Tollgate field names, epoch-ms dates)',
    render: (records) => JSON.stringify(records, null, 2),
  },
  'parse-mongo': {
    description: "one MongoDB document per line, as Parse Server stores Interaction in MongoDB (for mongoimport --collection Interaction)",
    render: (records) => records.map((r) => toExtendedJson(toParseMongoDocument(r))).join('\n'),
  },
};
