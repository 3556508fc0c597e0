/**
 * Ages for the "N days" rules, counted in WHOLE days (rounded down) from the run's `asOf`, so the
 * number a person reads is the number compared: "last used 90 days ago (limit 90)" always passes
 * and "91 days ago" always fails, whatever the hour. A date after `asOf` (clock skew between the
 * vendor and us) counts as 0 days, never negative.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from `iso` to `asOf`; `null` when `iso` is null or not a date. */
export function ageInDays(asOf: Date, iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.floor((asOf.getTime() - t) / DAY_MS));
}

/** `2025-02-01`: the day part of an ISO timestamp, for "last used …" in a sentence. */
export function isoDay(iso: string): string {
  return iso.slice(0, 10);
}
