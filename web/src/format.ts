/** How figures read on the page. Dates are shown in UTC, the time zone periods are counted in. */
const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percents = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const DAY_MS = 24 * 60 * 60 * 1000;

export const formatNumber = (n: number) => numbers.format(n);
export const formatPercent = (ratio: number) => percents.format(ratio);
export const formatDay = (day: string) => dayFormat.format(Date.parse(`${day}T00:00:00Z`));
export const formatDate = (iso: string) => dateFormat.format(Date.parse(iso));
export const formatDateTime = (iso: string | null) => (iso === null ? 'Never' : dateTimeFormat.format(Date.parse(iso)));

/** "Nov 1 – 30, 2026" (as the reader's locale writes it) for a period [start, end). */
export function periodRange(period: { start: string; end: string }): string {
  return dateFormat.formatRange(Date.parse(period.start), Date.parse(period.end) - DAY_MS);
}

/** The month a period starts in, as the usage API takes it: "2026-11". */
export const monthOf = (iso: string) => iso.slice(0, 7);
export const monthLabel = (month: string) => monthFormat.format(Date.parse(`${month}-01T00:00:00Z`));

/** The current period's month and the eleven before it, newest first. */
export function recentMonths(currentMonth: string, count = 12): string[] {
  const [year, month] = currentMonth.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(year, month - 1 - i, 1));
    return d.toISOString().slice(0, 7);
  });
}

const SCOPES: Record<string, string> = { organization: 'the organization', namespace: 'the namespace', api_key: 'the API key' };

/** "quota:namespace" → "Monthly interaction limit of the namespace", and so on. */
export function reasonLabel(reason: string): string {
  const [kind, detail = ''] = reason.split(':');
  const scope = SCOPES[detail] ?? detail;
  switch (kind) {
    case 'quota':
      return `Monthly interaction limit of ${scope}`;
    case 'active_memories':
      return `Active memories limit of ${scope}`;
    case 'storage':
      return `Storage limit of ${scope}`;
    case 'rate':
      return 'Per-minute rate limit';
    case 'subscription':
      return `Subscription ${detail.replace(/_/g, ' ')}`;
    case 'plan_unknown':
      return 'Plan not configured on the server';
    default:
      return reason;
  }
}

export const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1).replace(/_/g, ' ');
