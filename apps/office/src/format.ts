// Owners read times in the shop's time: every date on the page is in the zone the server counts report
// days in (REPORT_TIME_ZONE, told at sign-in), whatever the phone's own zone, so the day a report row
// names and the times in the ledger agree with each other.
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

let PARTS = formatter(DEFAULT_TIME_ZONE);

/** Shows every time from now on in `timeZone`; one the browser does not know leaves the zone as it was. */
export function useTimeZone(timeZone: string): void {
  try {
    PARTS = formatter(timeZone);
  } catch {
    // A RangeError for an unknown zone: keep showing the one we had.
  }
}

function parts(date: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of PARTS.formatToParts(date)) out[p.type] = p.value;
  return out;
}

function toDate(value: string | number | Date): Date | undefined {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `2026-11-29 14:05` in the shop's time; '' for a missing or broken time. */
export function dateTime(value: string | number | null | undefined): string {
  const date = value === null || value === undefined ? undefined : toDate(value);
  if (!date) return '';
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** `2026-11-29` in the shop's time. */
export function day(value: string | number | Date = new Date()): string {
  const date = toDate(value);
  if (!date) return '';
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The calendar day `n` days after `ymd` (negative: before). */
export function addDays(ymd: string, n: number): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d + n));
  return date.toISOString().slice(0, 10);
}

/** Fen as yuan with two decimals: 29900 → "299.00". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A price typed in yuan ("299", "299.5", "299.50") as fen; undefined when it is not a price. */
export function parseYuan(text: string): number | undefined {
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** A browser's User-Agent as an owner reads it: "Chrome · Android", "微信 · iPhone". */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return '未知设备';
  const ua = userAgent;
  const browser = /MicroMessenger/.test(ua)
    ? '微信'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : '';
  const system = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /Linux/.test(ua)
              ? 'Linux'
              : '';
  const name = [browser, system].filter(Boolean).join(' · ');
  return name || ua.slice(0, 40);
}
