import { quarterOf } from './quarter.ts';
import { MISSED_DAYS_AFTER_HOURS } from './thresholds.ts';
import type { HoursValue, LeaverObservation, LeaverOutcome } from './types.ts';

const HOUR_MS = 3_600_000;

/**
 * Hours from leaving to the first run at or after the leave date that saw no access left. Pure.
 *
 * - The leave date is the one the newest run gives (HR corrections win over older snapshots).
 * - A run that does not list the person, or cannot read their keys, proves nothing: it neither
 *   closes the case nor counts as access seen.
 * - Still not closed by the last run: open, "at least" the hours to the last run that saw access
 *   (0 when no run after the leave date saw them yet) — never a number that reads as resolved.
 * - `inPeriod` selects whose leave date counts (the report's period).
 */
export function leaverOutcomes(observations: readonly LeaverObservation[], inPeriod: (leftAt: string) => boolean = () => true): LeaverOutcome[] {
  const runs = [...observations].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const latest = new Map<string, { name: string; leftAt: string }>();
  for (const run of runs) for (const p of run.people) latest.set(p.id, { name: p.name, leftAt: p.leftAt });

  const out: LeaverOutcome[] = [];
  for (const [personId, { name, leftAt }] of latest) {
    if (!inPeriod(leftAt)) continue;
    const left = Date.parse(leftAt);
    let lastSeenWithAccess: number | null = null;
    let previous = left;
    let closed: LeaverOutcome | null = null;
    for (const run of runs) {
      const at = Date.parse(run.startedAt);
      if (at < left) continue;
      const state = run.people.find((p) => p.id === personId)?.access ?? 'unknown';
      if (state === 'none') {
        closed = { personId, name, leftAt, quarter: quarterOf(leftAt), value: { hours: (at - left) / HOUR_MS, open: false }, closedByRun: run.runId, windowHours: (at - previous) / HOUR_MS, measured: at - previous <= MISSED_DAYS_AFTER_HOURS * HOUR_MS };
        break;
      }
      // Only a run that saw access narrows the window: after a run that could not tell, access may
      // already have been gone, so the removal lies anywhere since the last run that saw it.
      if (state === 'some') {
        lastSeenWithAccess = at;
        previous = at;
      }
    }
    out.push(closed ?? { personId, name, leftAt, quarter: quarterOf(leftAt), value: { hours: lastSeenWithAccess === null ? 0 : (lastSeenWithAccess - left) / HOUR_MS, open: true }, closedByRun: null, windowHours: null, measured: true });
  }
  return out.sort((a, b) => Date.parse(a.leftAt) - Date.parse(b.leftAt) || (a.personId < b.personId ? -1 : 1));
}

/**
 * Median with open cases read as "at least": computed once with each open value as given and once
 * with it as infinite. Equal → exact; else the median is open, at least the lower figure.
 */
export function medianHours(values: readonly HoursValue[]): HoursValue | null {
  if (values.length === 0) return null;
  const low = median(values.map((v) => v.hours));
  const high = median(values.map((v) => (v.open ? Number.POSITIVE_INFINITY : v.hours)));
  return { hours: low, open: high !== low };
}

/** The worst case; open when any open case could be (is at least) the worst. */
export function worstHours(values: readonly HoursValue[]): HoursValue | null {
  if (values.length === 0) return null;
  const hours = Math.max(...values.map((v) => v.hours));
  return { hours, open: values.some((v) => v.open) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
