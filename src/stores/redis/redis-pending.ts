import type { RecordMarks } from '../contract.js';

/** A stream entry this process wrote, kept until PostgreSQL is known to hold it. */
export interface PendingEntry {
  readonly organizationId: string;
  readonly epoch: string;
  readonly position: string;
  readonly descriptions: string;
  readonly outcomes: string;
  readonly records: number;
}

const isAtOrBefore = (position: string, mark: string) => {
  const [a, b] = position.split('-').map(Number) as [number, number];
  const [c, d] = mark.split('-').map(Number) as [number, number];
  return a < c || (a === c && b <= d);
};

/**
 * The entries this process appended and PostgreSQL may not hold yet, in the order Redis took them.
 * They are this process's copy of its acknowledged charges: if Redis loses the stream, they are
 * replayed into PostgreSQL from here (redis-flusher.ts).
 */
export class PendingEntries {
  private readonly byOrganization = new Map<string, PendingEntry[]>();
  private records = 0;

  constructor(private readonly maxRecords: number) {}

  add(entry: PendingEntry): void {
    let list = this.byOrganization.get(entry.organizationId);
    if (!list) this.byOrganization.set(entry.organizationId, (list = []));
    list.push(entry);
    this.records += entry.records;
  }

  /** True once so many records wait that PostgreSQL has plainly not taken them for a while. */
  isFull(): boolean {
    return this.records >= this.maxRecords;
  }

  get size(): number {
    return this.records;
  }

  organizations(): string[] {
    return [...this.byOrganization.keys()];
  }

  entries(organizationId: string): readonly PendingEntry[] {
    return this.byOrganization.get(organizationId) ?? [];
  }

  /** Forgets the entries at or before their source's mark: a drain applied them. */
  confirm(organizationId: string, marks: RecordMarks): void {
    this.keep(organizationId, (e) => {
      const mark = marks.get(e.epoch);
      return mark === undefined || !isAtOrBefore(e.position, mark);
    });
  }

  /** Forgets entries that were replayed into PostgreSQL. */
  drop(organizationId: string, entries: readonly PendingEntry[]): void {
    const gone = new Set(entries);
    this.keep(organizationId, (e) => !gone.has(e));
  }

  private keep(organizationId: string, wanted: (entry: PendingEntry) => boolean): void {
    const list = this.byOrganization.get(organizationId);
    if (!list) return;
    const kept: PendingEntry[] = [];
    for (const e of list) {
      if (wanted(e)) kept.push(e);
      else this.records -= e.records;
    }
    if (kept.length === 0) this.byOrganization.delete(organizationId);
    else this.byOrganization.set(organizationId, kept);
  }
}
