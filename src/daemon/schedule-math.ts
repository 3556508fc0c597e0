import { Cron } from 'croner';

/**
 * Pure schedule arithmetic on croner patterns: no timers, no clock of its own. Everything the
 * scheduler decides (when the next slot is, whether one was missed, how much jitter) is here, so it
 * can be tested through weeks of slots without waiting.
 */

export interface Schedule {
  pattern: string;
  timezone: string;
}

/** A paused croner job is only a calculator: it never fires by itself. */
function cronOf(s: Schedule): Cron {
  return new Cron(s.pattern, { paused: true, timezone: s.timezone });
}

/** The first slot strictly after `after`; null when the pattern has no future slot (e.g. a fixed year). */
export function nextSlot(s: Schedule, after: Date): Date | null {
  return cronOf(s).nextRun(after);
}

/**
 * The time between the slot after `at` and the one after that: the schedule's interval around
 * `at` (cron intervals need not be regular, e.g. "0 9,17 * * *"). Null when fewer than two slots remain.
 */
export function intervalAfter(s: Schedule, at: Date): number | null {
  const [a, b] = cronOf(s).nextRuns(2, at);
  if (!a || !b) return null;
  return b.getTime() - a.getTime();
}

/**
 * Whether a slot passed without a run: nothing ever ran, or the first slot after the last run's
 * start is already due. However many slots were missed, the answer is one run, not N.
 */
export function slotMissed(s: Schedule, lastRunStart: Date | null, now: Date): boolean {
  if (lastRunStart === null) return true;
  const next = nextSlot(s, lastRunStart);
  return next !== null && next.getTime() <= now.getTime();
}

/**
 * A random delay after a slot, in [0, min(maxJitterMs, interval / 2)): bounded by half the interval
 * so a jittered run can never slide into the next slot. `random` is injected (Math.random in
 * production, a fixed sequence in tests) so the delay is deterministic under test.
 */
export function jitterMs(maxJitterMs: number, intervalMs: number | null, random: () => number): number {
  const bound = Math.min(maxJitterMs, intervalMs === null ? maxJitterMs : Math.floor(intervalMs / 2));
  if (bound <= 0) return 0;
  const r = random();
  // A random source outside [0, 1) is a bug in the caller; clamp instead of breaking the bound.
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 0.999_999) : 0;
  return Math.floor(unit * bound);
}
