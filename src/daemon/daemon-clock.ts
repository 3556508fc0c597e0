/**
 * Time as the daemon sees it: injected, so tests drive days of schedules in milliseconds and no
 * test waits for real.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface DaemonClock {
  now(): Date;
  /** Calls `fn` once after about `delayMs`; the scheduler re-checks the time when it fires. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** Node's setTimeout fires at once for delays over 2^31-1 ms (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

export function createSystemClock(): DaemonClock {
  return {
    now: () => new Date(),
    setTimer(delayMs, fn) {
      const t = setTimeout(fn, Math.min(Math.max(delayMs, 0), MAX_TIMER_MS));
      return { cancel: () => clearTimeout(t) };
    },
  };
}
