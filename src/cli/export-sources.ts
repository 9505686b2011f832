import { groupRows, type UsageDimension } from '../analytics/index.js';
import type { InteractionLog, InteractionRecord, UsageEvent } from '../stores/contract/index.js';
import type { ExportRow } from './export-formats.js';

/** One step of an export: the rows it produced. The number of steps drives the progress bar. */
export interface ExportSource {
  readonly columns: readonly string[];
  readonly steps: number;
  rows(): AsyncGenerator<ExportRow[]>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const EVENT_PAGE = 50_000;

export const RECORD_COLUMNS = [
  'year', 'month', 'organizationId', 'namespaceId', 'apiKeyId', 'operation', 'type', 'count', 'calls',
  'workspaceId', 'userId', 'subscriptionId', 'companyId', 'createdAt', 'updatedAt',
] as const;

/** The Interaction records of each month in the range (what Parse-style dashboards sum). */
export function recordSource(log: InteractionLog, organizationId: string, months: readonly { year: number; month: number }[]): ExportSource {
  return {
    columns: RECORD_COLUMNS,
    steps: months.length,
    async *rows() {
      for (const { year, month } of months) {
        const records: InteractionRecord[] = await log.interactions({ organizationId, year, month });
        yield records.map((r) => ({ ...r }) as unknown as ExportRow);
      }
    },
  };
}

/** Usage of the day range grouped by one dimension, from the daily rollups (never raw records). */
export function groupedSource(log: InteractionLog, organizationId: string, days: readonly string[], by: UsageDimension): ExportSource {
  const pick: Record<UsageDimension, (r: { day: string; operation: string; namespaceId: string | null; apiKeyId: string; type: string }) => string> = {
    day: (r) => r.day,
    operation_type: (r) => r.operation,
    namespace: (r) => r.namespaceId ?? '',
    api_key: (r) => r.apiKeyId,
    type: (r) => r.type,
  };
  return {
    columns: [by, 'interactions', 'calls', 'refused'],
    steps: 1,
    async *rows() {
      const rows = await log.rollups({ organizationId, fromDay: days[0]!, toDay: days.at(-1)! });
      yield groupRows(rows, pick[by]).map((g) => ({ [by]: g.key || null, interactions: g.count, calls: g.calls, refused: g.refused }));
    },
  };
}

export const EVENT_COLUMNS = ['chargeId', 'atMs', 'organizationId', 'namespaceId', 'apiKeyId', 'operation', 'type', 'cost', 'outcome', 'reason', 'idempotencyKey'] as const;

/** The usage events (the per-call audit log) of the day range, an hour at a time. */
export function eventSource(log: InteractionLog, organizationId: string, days: readonly string[]): ExportSource {
  // A window holding more than a page is split in halves until each half fits.
  async function* window(fromMs: number, toMs: number): AsyncGenerator<UsageEvent[]> {
    const page = await log.events({ organizationId, fromMs, toMs, limit: EVENT_PAGE });
    if (page.length < EVENT_PAGE || toMs - fromMs <= 1) {
      yield page;
      return;
    }
    const middle = Math.floor((fromMs + toMs) / 2);
    yield* window(fromMs, middle);
    yield* window(middle, toMs);
  }
  return {
    columns: EVENT_COLUMNS,
    steps: days.length,
    async *rows() {
      for (const day of days) {
        const start = Date.parse(`${day}T00:00:00Z`);
        const batch: ExportRow[] = [];
        for (let hour = start; hour < start + DAY_MS; hour += HOUR_MS) {
          for await (const events of window(hour, hour + HOUR_MS)) batch.push(...events.map((e) => ({ ...e }) as unknown as ExportRow));
        }
        yield batch;
      }
    },
  };
}
