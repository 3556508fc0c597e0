/**
 * Exit codes, documented in the README. Schedulers and CI jobs branch on them, so they never change
 * meaning: add new ones instead.
 */
export const EXIT = {
  /** Done; every rule passed (or, for other commands, nothing needs attention). */
  ok: 0,
  /** An unexpected internal error (a bug): the message says what to report. */
  internal: 1,
  /** The command line or the config is wrong; one line names what and where. */
  usage: 2,
  /** Done, and at least one rule failed or could not be evaluated. */
  findings: 3,
  /** `verify` found evidence that changed, or `check` found a missing permission or licence. */
  integrity: 4,
  /** The evidence store could not be opened or written (locked, unreadable, newer schema). */
  store: 5,
  /** `alerts test` could not deliver to at least one channel (each is reported with the reason). */
  delivery: 6,
  /** Another Evidentia process was collecting an organisation (its run lock is held): that one was skipped, nothing stored for it. */
  locked: 7,
  /** Interrupted by SIGINT/SIGTERM; what was collected is stored and the run is marked interrupted. */
  interrupted: 130,
} as const;
