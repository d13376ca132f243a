/**
 * Calendar days in the shops' time zone (REPORT_TIME_ZONE), as reports count them. Pure: the zone's rules
 * come from Intl, the days are `YYYY-MM-DD` strings, and a day is the half-open range of Unix ms
 * [its first instant, the next day's first instant) — 24 hours in China, 23 or 25 where clocks change.
 * The engines are asked for ms ranges only, so SQLite and PostgreSQL count the same rows.
 */

const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** A valid IANA zone name for Intl (e.g. `Asia/Shanghai`); false for anything Intl refuses. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The day's number of days since 1970-01-01 when `text` is a real calendar date `YYYY-MM-DD`; undefined otherwise. */
export function parseDay(text: string): number | undefined {
  const m = DAY_TEXT.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const date = new Date(ms);
  if (y < 1970 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function dayText(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `ms`, as the ms of the same wall-clock reading in UTC. */
function wallMs(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of wallClock(zone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + (ms % 1000 + 1000) % 1000;
}

/** `zone`'s offset from UTC at `ms`, in ms (Shanghai: +8 h). */
export function zoneOffset(ms: number, zone: string): number {
  return wallMs(ms, zone) - ms;
}

/**
 * The first instant (Unix ms) of a day in `zone`: its midnight, or, where a clock change skips midnight,
 * the first wall-clock time that exists that day.
 */
export function dayStart(dayNumber: number, zone: string): number {
  const midnight = dayNumber * DAY_MS;
  // Two passes settle the offset around a change (the offset at the guess may be the other side's).
  let t = midnight - zoneOffset(midnight, zone);
  t = midnight - zoneOffset(t, zone);
  // A skipped midnight lands on the previous day's wall clock, under the old offset: stepping forward by
  // the wall-clock shortfall reaches the change itself, the day's first instant.
  const wall = wallMs(t, zone);
  if (wall < midnight) t += midnight - wall;
  return t;
}

/** The day (number) that `ms` falls on in `zone`. */
export function dayOf(ms: number, zone: string): number {
  return Math.floor(wallMs(ms, zone) / DAY_MS);
}

/** The local time of `ms` in `zone` as `YYYY-MM-DD HH:mm:ss`, for files people read. */
export function localTime(ms: number, zone: string): string {
  return new Date(wallMs(ms, zone)).toISOString().slice(0, 19).replace('T', ' ');
}

/** A report's day with its range of ms. */
export interface DayRange {
  day: string;
  start: number;
  end: number;
}

/** The days from `from` to `to` (day numbers, inclusive), each with its ms range in `zone`. */
export function dayRanges(from: number, to: number, zone: string): DayRange[] {
  const ranges: DayRange[] = [];
  for (let d = from; d <= to; d += 1) ranges.push({ day: dayText(d), start: dayStart(d, zone), end: dayStart(d + 1, zone) });
  return ranges;
}
