/**
 * The windows limits count in, always computed in UTC (never the server's local time).
 * One function serves enforcement, records and reports, so they can never disagree.
 */
export interface Period {
  /** Stable key: "2026-11" for a calendar month, "2026-11-15" for a cycle anchored on the 15th. */
  readonly key: string;
  /** Month (1–12) and year the period starts in; Interaction records carry these. */
  readonly month: number;
  readonly year: number;
  /** Inclusive start and exclusive end, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The period `atMs` falls in: the UTC calendar month, or the billing cycle anchored on `anchorDay`. */
export function periodOf(atMs: number, anchorDay: number | null = null): Period {
  const at = new Date(atMs);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() + 1;
  if (anchorDay === null) return calendarMonth(year, month);
  const startThisMonth = cycleStart(year, month, anchorDay);
  if (atMs >= startThisMonth) return anchoredCycle(year, month, anchorDay);
  const previous = shiftMonth(year, month, -1);
  return anchoredCycle(previous.year, previous.month, anchorDay);
}

/** The period that starts in the given month (reports take a month; with an anchor, the cycle starting then). */
export function periodStartingIn(year: number, month: number, anchorDay: number | null = null): Period {
  return anchorDay === null ? calendarMonth(year, month) : anchoredCycle(year, month, anchorDay);
}

/** Parses "YYYY-MM"; returns null when malformed. */
export function parseMonth(text: string): { year: number; month: number } | null {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  // Four digits: the year is at most 9999.
  if (month < 1 || month > 12 || year < 1970) return null;
  return { year, month };
}

/** The UTC day "YYYY-MM-DD" of an instant; daily rollups are keyed by it. */
export function dayOf(atMs: number): string {
  const at = new Date(atMs);
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
}

function calendarMonth(year: number, month: number): Period {
  const next = shiftMonth(year, month, 1);
  return Object.freeze({
    key: `${year}-${pad(month)}`,
    month,
    year,
    startMs: Date.UTC(year, month - 1, 1),
    endMs: Date.UTC(next.year, next.month - 1, 1),
  });
}

function anchoredCycle(year: number, month: number, anchorDay: number): Period {
  const next = shiftMonth(year, month, 1);
  const startMs = cycleStart(year, month, anchorDay);
  return Object.freeze({
    key: dayOf(startMs),
    month,
    year,
    startMs,
    endMs: cycleStart(next.year, next.month, anchorDay),
  });
}

/** A cycle starts on the anchor day, clamped to the month's last day (an anchor on the 31st starts February's on the 28th or 29th). */
function cycleStart(year: number, month: number, anchorDay: number): number {
  return Date.UTC(year, month - 1, Math.min(anchorDay, daysInMonth(year, month)));
}

function shiftMonth(year: number, month: number, delta: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}
