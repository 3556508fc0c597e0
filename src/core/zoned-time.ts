/**
 * Calendar dates and wall-clock times in an IANA time zone, turned into UTC instants with only
 * `Intl` (no Temporal in Node 20, no new packages). HR systems speak in dates ("last day:
 * 2026-11-19"), the evidence model in instants, and the conversion must survive DST.
 * Shared by the HR connectors (CSV roster, BambooHR), which speak in dates.
 */

export interface CalendarDate {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

export interface WallTime extends CalendarDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True for a zone `Intl` knows (`UTC`, `Europe/London`, …); `Intl` throws RangeError otherwise. */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** `Date.UTC` without its 0–99 → 1900s quirk. */
function utc(w: WallTime): number {
  const d = new Date(Date.UTC(2000, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond));
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  return d.getTime();
}

/** The zone's wall clock at instant `ms`, expressed as if it were UTC (so it can be compared). */
function wallAt(ms: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const whole = utc({ year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second!, millisecond: 0 });
  return whole + (((ms % 1000) + 1000) % 1000);
}

/** Offset of the zone from UTC at instant `ms`, in ms (local − UTC). */
function offsetAt(ms: number, zone: string): number {
  return wallAt(ms, zone) - ms;
}

/**
 * The instant at which the zone's clocks show `w`, disambiguated like Temporal's `compatible`:
 * a time that occurs twice (clocks going back) is the earlier one; a time that never occurs
 * (clocks going forward) is moved forward by the gap, so 00:00 on a day whose midnight is skipped
 * (America/Havana, America/Santiago) is the first instant of that day.
 */
export function zonedToInstant(w: WallTime, zone: string): number {
  const local = utc(w);
  // The offsets a day either side cover both sides of any transition near `local`.
  const offsets = new Set([offsetAt(local - DAY_MS, zone), offsetAt(local, zone), offsetAt(local + DAY_MS, zone)]);
  const matches = [...offsets].map((o) => local - o).filter((t) => wallAt(t, zone) === local);
  if (matches.length > 0) return Math.min(...matches);
  // In a gap: read the wall time with the offset in force before the transition.
  return local - offsetAt(local - DAY_MS, zone);
}

/** The first instant of `date` in `zone`. */
export function startOfDay(date: CalendarDate, zone: string): number {
  return zonedToInstant({ ...date, hour: 0, minute: 0, second: 0, millisecond: 0 }, zone);
}

export function nextDay(date: CalendarDate): CalendarDate {
  const d = new Date(utc({ ...date, hour: 12, minute: 0, second: 0, millisecond: 0 }) + DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** A real calendar date (no 2026-02-30) in years 1000–9999. */
export function isCalendarDate(date: CalendarDate): boolean {
  const { year, month, day } = date;
  if (![year, month, day].every(Number.isInteger) || year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const d = new Date(utc({ ...date, hour: 12, minute: 0, second: 0, millisecond: 0 }));
  return d.getUTCMonth() + 1 === month && d.getUTCDate() === day;
}
