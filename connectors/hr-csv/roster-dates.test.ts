import { describe, expect, it } from 'vitest';
import { hireInstant, leaveInstant, parseRosterWhen, type DateFormat } from './roster-dates.ts';
import { isTimeZone, zonedToInstant } from '../../src/core/zoned-time.ts';

const leave = (value: string, zone: string, format: DateFormat = 'YYYY-MM-DD'): string => leaveInstant(parseRosterWhen(value, format, zone)!, zone);
const hire = (value: string, zone: string): string => hireInstant(parseRosterWhen(value, 'YYYY-MM-DD', zone)!, zone);

describe('termination dates: the last working day, left at 00:00 of the next day in the roster zone', () => {
  it.each([
    // zone, last working day, left at (UTC)
    ['UTC', '2026-11-19', '2026-11-20T00:00:00.000Z'],
    ['America/New_York', '2026-11-19', '2026-11-20T05:00:00.000Z'],
    ['America/New_York', '2026-07-03', '2026-07-04T04:00:00.000Z'],
    // Europe/London springs forward on 2026-03-29 at 01:00 UTC: the 29th starts in GMT, the 30th in BST.
    ['Europe/London', '2026-03-28', '2026-03-29T00:00:00.000Z'],
    ['Europe/London', '2026-03-29', '2026-03-29T23:00:00.000Z'],
    // …and falls back on 2026-10-25: the 25th starts in BST, the 26th in GMT.
    ['Europe/London', '2026-10-24', '2026-10-24T23:00:00.000Z'],
    ['Europe/London', '2026-10-25', '2026-10-26T00:00:00.000Z'],
    // America/New_York springs forward on 2026-03-08 at 02:00 local: midnight still exists.
    ['America/New_York', '2026-03-07', '2026-03-08T05:00:00.000Z'],
    ['America/New_York', '2026-03-08', '2026-03-09T04:00:00.000Z'],
    // Zones whose clocks skip midnight: the day starts at the first instant that exists (01:00).
    ['America/Havana', '2026-03-07', '2026-03-08T05:00:00.000Z'],
    ['America/Santiago', '2026-09-05', '2026-09-06T04:00:00.000Z'],
    ['Asia/Kolkata', '2026-11-19', '2026-11-19T18:30:00.000Z'],
    ['Pacific/Kiritimati', '2026-12-31', '2026-12-31T10:00:00.000Z'],
  ])('%s %s → %s', (zone, day, expected) => {
    expect(leave(day, zone)).toBe(expected);
  });

  it('handles month and year ends', () => {
    expect(leave('2026-02-28', 'UTC')).toBe('2026-03-01T00:00:00.000Z');
    expect(leave('2028-02-28', 'UTC')).toBe('2028-02-29T00:00:00.000Z');
    expect(leave('2026-12-31', 'Europe/Berlin')).toBe('2026-12-31T23:00:00.000Z');
  });

  it('takes a date-time with an offset exactly as written, in any roster zone', () => {
    expect(leave('2026-11-19T17:30:00+01:00', 'America/New_York')).toBe('2026-11-19T16:30:00.000Z');
    expect(leave('2026-11-19T17:30:00Z', 'Europe/London')).toBe('2026-11-19T17:30:00.000Z');
    expect(leave('2026-11-19 09:15:30.250-0500', 'UTC')).toBe('2026-11-19T14:15:30.250Z');
    expect(leave('2026-11-19T23:00+05:30', 'UTC')).toBe('2026-11-19T17:30:00.000Z');
  });

  it('reads a date-time without an offset as wall time in the roster zone (earlier of two, forward across a gap)', () => {
    expect(leave('2026-07-01T17:00', 'Europe/London')).toBe('2026-07-01T16:00:00.000Z');
    // 01:30 happens twice on 2026-10-25 in London: the first (BST) is taken.
    expect(leave('2026-10-25T01:30', 'Europe/London')).toBe('2026-10-25T00:30:00.000Z');
    // 01:30 never happens on 2026-03-29 in London: moved forward by the hour skipped (02:30 BST).
    expect(leave('2026-03-29T01:30', 'Europe/London')).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('hire dates: the first working day, started at 00:00 of it', () => {
  it.each([
    ['UTC', '2026-11-19', '2026-11-19T00:00:00.000Z'],
    ['Europe/London', '2026-03-29', '2026-03-29T00:00:00.000Z'],
    ['Europe/London', '2026-03-30', '2026-03-29T23:00:00.000Z'],
    ['America/Havana', '2026-03-08', '2026-03-08T05:00:00.000Z'],
  ])('%s %s → %s', (zone, day, expected) => {
    expect(hire(day, zone)).toBe(expected);
  });
});

describe('parseRosterWhen', () => {
  it.each(['2026-02-30', '2026-13-01', '2026-11-19T24:00', '2026-11-19T12:00+19:00', '19/11/2026', '2026/11/19', 'tomorrow', '0999-01-01', '2026-11-19T12:60'])(
    'refuses %j in YYYY-MM-DD mode',
    (value) => {
      expect(parseRosterWhen(value, 'YYYY-MM-DD', 'UTC')).toBeNull();
    },
  );

  it('reads the configured day-month orders, and ISO dates in every mode', () => {
    expect(parseRosterWhen('03/04/2026', 'DD/MM/YYYY', 'UTC')).toEqual({ kind: 'date', date: { year: 2026, month: 4, day: 3 } });
    expect(parseRosterWhen('03/04/2026', 'MM/DD/YYYY', 'UTC')).toEqual({ kind: 'date', date: { year: 2026, month: 3, day: 4 } });
    expect(parseRosterWhen('3.4.2026', 'DD.MM.YYYY', 'UTC')).toEqual({ kind: 'date', date: { year: 2026, month: 4, day: 3 } });
    expect(parseRosterWhen('2026-04-03', 'MM/DD/YYYY', 'UTC')).toEqual({ kind: 'date', date: { year: 2026, month: 4, day: 3 } });
    expect(parseRosterWhen('31/02/2026', 'DD/MM/YYYY', 'UTC')).toBeNull();
  });
});

describe('zoned time helpers', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('converts ordinary wall times both sides of a transition', () => {
    expect(new Date(zonedToInstant({ year: 2026, month: 1, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'Europe/London')).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(new Date(zonedToInstant({ year: 2026, month: 6, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'Europe/London')).toISOString()).toBe('2026-06-15T08:00:00.000Z');
  });
});
