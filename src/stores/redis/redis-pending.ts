import type { RecordMarks } from '../contract/index.js';

/** A stream entry this process wrote, kept until PostgreSQL is known to hold it. */
export interface PendingEntry {
  readonly organizationId: string;
  readonly epoch: string;
  readonly position: string;
  readonly description: string;
  readonly outcomes: string;
  readonly records: number;
}

interface Held extends PendingEntry {
  readonly ms: number;
  readonly seq: number;
}

/** A stream id's two numbers. */
export function positionOf(id: string): [number, number] {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/**
 * The entries this process appended and PostgreSQL may not hold yet, in the order Redis took them.
 * They are this process's copy of its acknowledged charges: if Redis loses the stream, they are
 * replayed into PostgreSQL from here (redis-flusher.ts).
 */
export class PendingEntries {
  private readonly byOrganization = new Map<string, Held[]>();
  private readonly live = new Set<PendingEntry>();
  private records = 0;

  constructor(private readonly maxRecords: number) {}

  add(entry: PendingEntry): void {
    let list = this.byOrganization.get(entry.organizationId);
    if (!list) this.byOrganization.set(entry.organizationId, (list = []));
    const [ms, seq] = positionOf(entry.position);
    const held = { ...entry, ms, seq };
    list.push(held);
    this.live.add(held);
    this.records += entry.records;
  }

  /** True once so many records wait that PostgreSQL has plainly not taken them for a while. */
  isFull(): boolean {
    return this.records >= this.maxRecords;
  }

  get size(): number {
    return this.records;
  }

  /** Whether an entry (as entries() gave it) is still kept. */
  has(entry: PendingEntry): boolean {
    return this.live.has(entry);
  }

  organizations(): string[] {
    return [...this.byOrganization.keys()];
  }

  entries(organizationId: string): readonly PendingEntry[] {
    return this.byOrganization.get(organizationId) ?? [];
  }

  /** Forgets the entries at or before their source's mark: a drain applied them. */
  confirm(organizationId: string, marks: RecordMarks): void {
    const list = this.byOrganization.get(organizationId);
    if (!list || list.length === 0) return;
    const covered = (e: Held) => {
      const mark = marks.get(e.epoch);
      if (mark === undefined) return false;
      const [ms, seq] = positionOf(mark);
      return e.ms < ms || (e.ms === ms && e.seq <= seq);
    };
    // Usually one epoch, in stream order: what a mark covers is a prefix, found without a pass over the rest.
    if (list[0]!.epoch === list[list.length - 1]!.epoch) {
      let n = 0;
      while (n < list.length && covered(list[n]!)) n++;
      this.keep(organizationId, list.slice(n), list.slice(0, n));
    } else {
      this.keep(organizationId, list.filter((e) => !covered(e)), list.filter(covered));
    }
  }

  /** Forgets entries that were replayed into PostgreSQL. */
  drop(organizationId: string, entries: readonly PendingEntry[]): void {
    const gone = new Set(entries);
    const list = this.byOrganization.get(organizationId) ?? [];
    this.keep(organizationId, list.filter((e) => !gone.has(e)), list.filter((e) => gone.has(e)));
  }

  /** Keeps a new list (never changes one in place: a drain holds on to what it saw). */
  private keep(organizationId: string, kept: Held[], gone: readonly Held[]): void {
    for (const e of gone) {
      this.records -= e.records;
      this.live.delete(e);
    }
    if (kept.length === 0) this.byOrganization.delete(organizationId);
    else this.byOrganization.set(organizationId, kept);
  }
}
