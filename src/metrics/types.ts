/**
 * What `evidentia metrics` reports (clause 9.1, monitoring and measurement): trends computed from
 * stored runs only. A value is never carried across a run or quarter that could not measure it;
 * such holes are listed as gaps instead.
 */

/** `inventory_incomplete`: an inventory the metrics read (leavers, apps) says it may be missing rows, so it counts for nothing it cannot prove. */
export type GapKind = 'no_runs' | 'missed_days' | 'not_evaluated' | 'not_evaluable' | 'rule_missing' | 'leaver_unmeasured' | 'inventory_incomplete';

export interface MetricsGap {
  kind: GapKind;
  /** Calendar quarter (UTC) the gap falls in, e.g. `2026-Q4`. */
  quarter: string;
  runId: number | null;
  rule: string | null;
  /** Start and end of the hole (ISO), for `missed_days` and `no_runs`. */
  from: string | null;
  to: string | null;
  /** One sentence for a person. */
  detail: string;
}

export interface AppRef {
  ref: string;
  label: string;
}

export interface AiOwnership {
  /** Distinct AI apps holding grants in the run (first-party platform AI excluded, as shadow-ai does). */
  inUse: number;
  /** Of those, approved in the register with a named owner. */
  approvedWithOwner: number;
  /** `approvedWithOwner / inUse`; null when no AI app is in use (no share to speak of, not 100%). */
  share: number | null;
}

/** The metrics of one sealed run, from its latest evaluation (and its snapshot, for AI ownership). */
export interface RunPoint {
  runId: number;
  startedAt: string;
  status: 'complete' | 'partial';
  quarter: string;
  evaluated: boolean;
  /** mfa-coverage `measured`; null when the rule was not evaluable or missing. */
  mfaCoverage: number | null;
  /** Per connector instance, only systems the rule could measure. */
  mfaBySystem: Record<string, number>;
  /** privileged-count per system (instance, or instance/AWS account); only systems it could count. */
  admins: Record<string, number>;
  /** Unapproved AI apps with grants (shadow-ai `fail`, or `excepted`: accepted is not approved); null when not read. */
  unapprovedAiApps: AppRef[] | null;
  aiOwnership: AiOwnership | null;
  gaps: MetricsGap[];
}

/** One leaver's access as one run saw it. `unknown`: access keys unreadable, no linked account, a leavers inventory marked incomplete, or the person not in the run. */
export type LeaverAccess = 'none' | 'some' | 'unknown';

export interface LeaverObservation {
  runId: number;
  startedAt: string;
  people: { id: string; name: string; leftAt: string; access: LeaverAccess }[];
}

/** Hours from leaving to the first run that saw no access left; `open`: still not seen closed. */
export interface HoursValue {
  hours: number;
  /** True: access not seen removed by the end of the period; `hours` is then a lower bound ("at least"). */
  open: boolean;
}

export interface LeaverOutcome {
  personId: string;
  name: string;
  leftAt: string;
  quarter: string;
  /** Resolved: run.startedAt − leftAt. Open: last run still seeing access − leftAt (0 when no run saw them yet). */
  value: HoursValue;
  /** The run that first saw no access left; null while open. */
  closedByRun: number | null;
  /**
   * Resolved only: hours between the last run that saw access (or the leave date, when no run after
   * it did) and the closing run; runs that could not tell do not narrow it. Access went some time in
   * that window, so a large one (a missed-days gap) means `hours` may overstate.
   */
  windowHours: number | null;
  /**
   * False when the closing run followed a window longer than MISSED_DAYS_AFTER_HOURS (a hole, or a
   * leave date before the first stored run): the hours are then only an upper bound, so the case is
   * listed as a gap and kept out of median and worst. Open cases are measured (as lower bounds).
   */
  measured: boolean;
}

export interface QuarterMetrics {
  quarter: string;
  runs: number;
  evaluatedRuns: number;
  /** Distinct across the quarter's runs that measured them; null when none did (a gap, never "0"). */
  unapprovedAiApps: AppRef[] | null;
  latestMfaCoverage: { runId: number; value: number } | null;
  admins: Record<string, { min: number; max: number }>;
  latestAiOwnership: ({ runId: number } & AiOwnership) | null;
  leavers: {
    count: number;
    /** Closed only after a hole (see `LeaverOutcome.measured`): listed as gaps, not in median/worst. */
    unmeasured: number;
    resolved: number;
    open: number;
    /** Exact, or `open` (a lower bound) when open cases decide it. */
    medianHours: HoursValue | null;
    worstHours: HoursValue | null;
  };
}

export interface MetricsReport {
  org: string;
  period: { from: string | null; to: string | null };
  /** Threshold for `missed_days`, in hours. */
  missedDaysAfterHours: number;
  quarters: QuarterMetrics[];
  runs: RunPoint[];
  leavers: LeaverOutcome[];
  gaps: MetricsGap[];
}
