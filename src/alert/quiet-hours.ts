import { nextDay, zonedToInstant } from '../core/zoned-time.ts';
import type { AlertsConfig } from './alert-config.ts';

type QuietHours = NonNullable<AlertsConfig['quietHours']>;

/**
 * When the quiet hours that contain `now` end, or null when `now` is not in quiet hours. `from`
 * and `to` are wall-clock times in `timeZone` (DST-aware); `from` later than `to` spans midnight
 * (22:00–07:00); equal times mean no quiet hours.
 */
export function quietUntil(now: Date, q: QuietHours): Date | null {
  const from = minutes(q.from);
  const to = minutes(q.to);
  if (from === to) return null;
  const w = wallClock(now, q.timeZone);
  const m = w.hour * 60 + w.minute;
  const quiet = from < to ? m >= from && m < to : m >= from || m < to;
  if (!quiet) return null;
  const day = from > to && m >= from ? nextDay(w) : { year: w.year, month: w.month, day: w.day };
  return new Date(zonedToInstant({ ...day, hour: Math.floor(to / 60), minute: to % 60, second: 0, millisecond: 0 }, q.timeZone));
}

function minutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function wallClock(at: Date, zone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts: Record<string, number> = {};
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  for (const p of f.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}
