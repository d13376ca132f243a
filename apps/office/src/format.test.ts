import { describe, expect, it } from 'vitest';
import { addDays, dateTime, day, deviceName, parseYuan, useTimeZone, yuan } from './format.js';

describe('money', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [29_900, '299.00'],
    [10_000_000, '100000.00'],
    [-5, '-0.05'],
  ])('shows %i fen as %s yuan', (fen, text) => {
    expect(yuan(fen)).toBe(text);
  });

  it.each([
    ['299', 29_900],
    ['299.5', 29_950],
    ['299.50', 29_950],
    [' 0.05 ', 5],
    ['0', 0],
  ])('reads "%s" yuan as %i fen', (text, fen) => {
    expect(parseYuan(text)).toBe(fen);
  });

  it.each(['', '299.999', '-1', '1e3', '12,5', '１２', '.5'])('refuses "%s" as a price', (text) => {
    expect(parseYuan(text)).toBeUndefined();
  });
});

describe('times, in the shop’s zone (Asia/Shanghai) whatever the browser’s', () => {
  it('shows an instant as Shanghai wall time', () => {
    // 16:30 UTC is 00:30 the next day in Shanghai.
    expect(dateTime('2026-11-28T16:30:00.000Z')).toBe('2026-11-29 00:30');
    expect(day('2026-11-28T16:30:00.000Z')).toBe('2026-11-29');
  });

  it('shows nothing for a missing or broken time', () => {
    expect(dateTime(null)).toBe('');
    expect(dateTime('yesterday')).toBe('');
  });

  it('counts calendar days across months and years', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });
});

describe('device names', () => {
  it.each([
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47', '微信 · iPhone'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36', 'Chrome · Android'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0', 'Edge · Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15', 'Safari · Mac'],
    [null, '未知设备'],
  ])('names %s as %s', (agent, name) => {
    expect(deviceName(agent)).toBe(name);
  });
});

describe('the shop time zone', () => {
  it('shows times in the zone the server names, and keeps the last good one for an unknown zone', () => {
    const at = '2026-03-29T00:30:00Z';
    try {
      expect(dateTime(at)).toBe('2026-03-29 08:30');
      useTimeZone('Europe/Berlin');
      expect(dateTime(at)).toBe('2026-03-29 01:30');
      useTimeZone('Not/AZone');
      expect(dateTime(at)).toBe('2026-03-29 01:30');
    } finally {
      useTimeZone('Asia/Shanghai');
    }
  });
});
