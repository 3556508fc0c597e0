import { UsageError } from '../core/errors.ts';

/**
 * `--from`/`--to` as whole UTC days, `--to` inclusive. The period ends at the midnight after `--to`,
 * but never after now: time not yet lived is not reported as days without runs.
 */
export function exportPeriod(from: string, to: string, now: Date): { from: string; to: string } {
  const start = dayStart(from, '--from');
  const end = periodEnd(to, now);
  if (Date.parse(start) >= Date.parse(dayStart(to, '--to')) + 86_400_000) throw new UsageError(`--from ${from} is after --to ${to}; give the first and the last day of the audit period`);
  if (Date.parse(start) >= now.getTime()) throw new UsageError(`--from ${from} is in the future; nothing can have been collected yet`);
  return { from: start, to: end };
}

/** `--to` (an inclusive UTC day) as the period's exclusive end: the next midnight, but never after now. */
export function periodEnd(to: string, now: Date): string {
  const end = Date.parse(dayStart(to, '--to')) + 86_400_000;
  return new Date(Math.min(end, now.getTime())).toISOString();
}

/** `value` (YYYY-MM-DD, UTC) as the instant its day starts; a one-line UsageError naming `flag` otherwise. */
export function dayStart(value: string, flag: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  // Round-tripping rejects 2026-02-30, which Date would roll over into March.
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
  if (!ok) throw new UsageError(`${flag} ${value}: expected a date as YYYY-MM-DD (UTC), e.g. 2026-10-01`);
  return `${value}T00:00:00.000Z`;
}
