import { isCalendarDate, nextDay, startOfDay, zonedToInstant, type CalendarDate } from '../../src/core/zoned-time.ts';

/**
 * How roster dates become instants. The decision, in one place:
 *
 * - A date-only TERMINATION date is the person's LAST WORKING DAY: they left at the end of it,
 *   i.e. at 00:00 of the NEXT day in the roster's time zone (`timezone`). Someone whose last day
 *   is 2026-11-19 in Europe/London left at 2026-11-20T00:00:00Z; in America/New_York at
 *   2026-11-20T05:00:00Z. So "24 hours after leaving" starts when their last day is over, and an
 *   account used on the last day is not flagged.
 * - A date-only HIRE date is the FIRST working day: they started at 00:00 of that day.
 * - Across DST the local midnight is converted with the offset in force at that midnight; where a
 *   zone skips midnight (America/Havana, America/Santiago) the day starts at the first instant
 *   that exists (see zoned-time.ts).
 * - A date-time with `Z` or an offset (`2026-11-19T17:30:00+01:00`) is an instant and is taken
 *   exactly as written, for hire and termination alike. A date-time without an offset is wall time
 *   in `timezone`.
 */

export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export type RosterWhen = { kind: 'date'; date: CalendarDate } | { kind: 'instant'; ms: number };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const OTHER: Record<Exclude<DateFormat, 'YYYY-MM-DD'>, { re: RegExp; order: [number, number, number] }> = {
  // Capture groups → [year, month, day] positions.
  'DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 2, 1] },
  'MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  'DD.MM.YYYY': { re: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: [3, 2, 1] },
};

/** What a person should write instead, for error messages. */
export function expectedFormats(format: DateFormat): string {
  return format === 'YYYY-MM-DD'
    ? 'YYYY-MM-DD or an ISO 8601 date-time such as 2026-11-19T17:30:00+01:00'
    : `${format}, YYYY-MM-DD or an ISO 8601 date-time such as 2026-11-19T17:30:00+01:00`;
}

/** A roster value as a date or an instant; `null` when it is not a date in an accepted format. */
export function parseRosterWhen(raw: string, format: DateFormat, zone: string): RosterWhen | null {
  const value = raw.trim();
  const iso = ISO_DATE.exec(value);
  if (iso) return dateOf(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  if (format !== 'YYYY-MM-DD') {
    const { re, order } = OTHER[format];
    const m = re.exec(value);
    if (m) return dateOf(Number(m[order[0]]), Number(m[order[1]]), Number(m[order[2]]));
  }
  const dt = ISO_DATE_TIME.exec(value);
  if (!dt) return null;
  const date = { year: Number(dt[1]), month: Number(dt[2]), day: Number(dt[3]) };
  const [hour, minute, second] = [Number(dt[4]), Number(dt[5]), Number(dt[6] ?? 0)];
  const millisecond = dt[7] ? Number(dt[7].padEnd(3, '0').slice(0, 3)) : 0;
  if (!isCalendarDate(date) || hour > 23 || minute > 59 || second > 59) return null;
  const wall = { ...date, hour, minute, second, millisecond };
  if (!dt[8]) return { kind: 'instant', ms: zonedToInstant(wall, zone) };
  const offset = offsetMs(dt[8]);
  if (offset === null) return null;
  // The wall time read as UTC, minus the offset it was written with.
  return { kind: 'instant', ms: zonedToInstant(wall, 'UTC') - offset };
}

function dateOf(year: number, month: number, day: number): RosterWhen | null {
  const date = { year, month, day };
  return isCalendarDate(date) ? { kind: 'date', date } : null;
}

/** `Z`, `+01`, `+0100`, `-05:30` in ms; `null` beyond ±18 h or with minutes ≥ 60. */
function offsetMs(text: string): number | null {
  if (text.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? 0);
  if (hours > 18 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/** When the person started: a date means 00:00 of that day in `zone`. */
export function hireInstant(when: RosterWhen, zone: string): string {
  return new Date(when.kind === 'instant' ? when.ms : startOfDay(when.date, zone)).toISOString();
}

/** When the person left: a date is their last working day, so they left at 00:00 of the next day in `zone`. */
export function leaveInstant(when: RosterWhen, zone: string): string {
  return new Date(when.kind === 'instant' ? when.ms : startOfDay(nextDay(when.date), zone)).toISOString();
}
