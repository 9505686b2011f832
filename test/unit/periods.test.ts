import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dayOf, parseMonth, periodOf, periodStartingIn } from '../../src/core/periods.js';

describe('periods', () => {
  it('23:59:59.999 UTC on the last day of a month and 00:00 the next day fall in different periods', () => {
    const last = periodOf(Date.parse('2026-11-30T23:59:59.999Z'));
    const next = periodOf(Date.parse('2026-12-01T00:00:00.000Z'));
    expect(last).toMatchObject({ key: '2026-11', month: 11, year: 2026, startMs: Date.parse('2026-11-01T00:00:00Z'), endMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(next).toMatchObject({ key: '2026-12', month: 12, year: 2026 });
    expect(periodOf(Date.parse('2026-12-31T23:59:59.999Z')).key).toBe('2026-12');
    expect(periodOf(Date.parse('2027-01-01T00:00:00Z')).key).toBe('2027-01');
  });

  it('a billing anchor on the 31st works in February (clamped to its last day)', () => {
    expect(periodOf(Date.parse('2027-02-15T00:00:00Z'), 31)).toMatchObject({
      key: '2027-01-31',
      startMs: Date.parse('2027-01-31T00:00:00Z'),
      endMs: Date.parse('2027-02-28T00:00:00Z'),
    });
    expect(periodOf(Date.parse('2027-02-28T00:00:00Z'), 31)).toMatchObject({
      key: '2027-02-28',
      month: 2,
      endMs: Date.parse('2027-03-31T00:00:00Z'),
    });
    expect(periodOf(Date.parse('2028-02-29T10:00:00Z'), 31).key).toBe('2028-02-29');
    expect(periodOf(Date.parse('2027-03-30T23:59:59.999Z'), 31).key).toBe('2027-02-28');
    expect(periodOf(Date.parse('2027-03-31T00:00:00Z'), 31).key).toBe('2027-03-31');
  });

  it('an anchored cycle spans the year boundary', () => {
    expect(periodOf(Date.parse('2027-01-10T00:00:00Z'), 15)).toMatchObject({ key: '2026-12-15', month: 12, year: 2026 });
  });

  it('periods tile time: each ends where the next starts', () => {
    let at = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 30; i++) {
      const p = periodOf(at, 30);
      expect(periodOf(p.endMs, 30).startMs).toBe(p.endMs);
      expect(periodOf(p.endMs - 1, 30).key).toBe(p.key);
      at = p.endMs;
    }
  });

  it('reports pick the period starting in a month', () => {
    expect(periodStartingIn(2026, 2).key).toBe('2026-02');
    expect(periodStartingIn(2026, 2, 31).key).toBe('2026-02-28');
    expect(parseMonth('2026-13')).toBeNull();
    expect(parseMonth('2026-02')).toEqual({ year: 2026, month: 2 });
    expect(dayOf(Date.parse('2026-11-30T23:59:59.999Z'))).toBe('2026-11-30');
  });

  it('the server time zone changes nothing (TZ=America/Los_Angeles in a child process)', () => {
    const script = `
      import { periodOf, dayOf } from ${JSON.stringify(fileURLToPath(new URL('../../src/core/periods.ts', import.meta.url)))};
      const instants = ['2026-11-30T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2026-03-08T09:30:00Z', '2027-02-15T00:00:00Z'];
      console.log(JSON.stringify({
        tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
        offset: new Date('2026-11-30T23:59:59.999Z').getTimezoneOffset(),
        periods: instants.map((i) => [periodOf(Date.parse(i)), periodOf(Date.parse(i), 31), dayOf(Date.parse(i))]),
      }));`;
    const run = (tz: string) =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' }));
    const la = run('America/Los_Angeles');
    const utc = run('UTC');
    expect(la.tz).toBe('America/Los_Angeles');
    expect(la.offset).toBe(480);
    expect(la.periods).toEqual(utc.periods);
    expect(la.periods[0][0].key).toBe('2026-11');
    expect(la.periods[1][0].key).toBe('2026-12');
  });
});
