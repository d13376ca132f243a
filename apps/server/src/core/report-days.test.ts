import { describe, expect, it } from 'vitest';
import { dayOf, dayRanges, dayStart, dayText, isTimeZone, localTime, parseDay } from './report-days.js';

const H = 3_600_000;

describe('report days', () => {
  it('reads real calendar dates only', () => {
    expect(parseDay('2026-11-01')).toBe(Date.UTC(2026, 10, 1) / 86_400_000);
    expect(dayText(parseDay('2024-02-29')!)).toBe('2024-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '2026-11-31', '2026-1-01', '20261101', '2026-11-01T00:00', ' 2026-11-01', '1969-12-31', '']) {
      expect(parseDay(bad), bad).toBeUndefined();
    }
  });

  it('knows zones by Intl', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('starts a Shanghai day at 16:00 UTC the day before, 24 hours long', () => {
    const [d] = dayRanges(parseDay('2026-11-01')!, parseDay('2026-11-01')!, 'Asia/Shanghai');
    expect(d).toEqual({ day: '2026-11-01', start: Date.UTC(2026, 9, 31, 16), end: Date.UTC(2026, 10, 1, 16) });
    expect(dayOf(Date.UTC(2026, 9, 31, 15, 59, 59, 999), 'Asia/Shanghai')).toBe(parseDay('2026-10-31'));
    expect(dayOf(Date.UTC(2026, 9, 31, 16), 'Asia/Shanghai')).toBe(parseDay('2026-11-01'));
    expect(localTime(Date.UTC(2026, 9, 31, 16, 5, 7, 250), 'Asia/Shanghai')).toBe('2026-11-01 00:05:07');
  });

  it('has 23- and 25-hour days where clocks change (Berlin, 2026)', () => {
    const days = dayRanges(parseDay('2026-03-28')!, parseDay('2026-03-30')!, 'Europe/Berlin');
    expect(days.map((d) => (d.end - d.start) / H)).toEqual([24, 23, 24]);
    expect(days[1]!.start).toBe(Date.UTC(2026, 2, 28, 23));
    const autumn = dayRanges(parseDay('2026-10-25')!, parseDay('2026-10-25')!, 'Europe/Berlin');
    expect(autumn.map((d) => (d.end - d.start) / H)).toEqual([25]);
    expect(autumn[0]!.start).toBe(Date.UTC(2026, 9, 24, 22));
  });

  it('starts a day whose midnight is skipped at the change (Santiago, 2026-09-06)', () => {
    // Chile moves from -04 to -03 at 24:00 on the first Saturday of September: the day starts at 01:00.
    const start = dayStart(parseDay('2026-09-06')!, 'America/Santiago');
    expect(start).toBe(Date.UTC(2026, 8, 6, 4));
    expect(localTime(start, 'America/Santiago')).toBe('2026-09-06 01:00:00');
    expect(localTime(start - 1, 'America/Santiago')).toBe('2026-09-05 23:59:59');
  });
});
