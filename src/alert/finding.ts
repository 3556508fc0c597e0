import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';

/** What can raise an alert (issue #5, "Alerts"). Names are stored in the database: add, never rename. */
export const EVENT_TYPES = [
  'leaver_access',
  'shadow_ai',
  'mfa_below_threshold',
  'new_privileged_assignment',
  'connector_failed',
  'connector_overdue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The severity an event type has unless the config (`alerts.severity`) says otherwise. */
export const DEFAULT_SEVERITY: Record<EventType, Severity> = {
  leaver_access: 'high',
  shadow_ai: 'high',
  mfa_below_threshold: 'medium',
  new_privileged_assignment: 'high',
  connector_failed: 'medium',
  connector_overdue: 'medium',
};

/** One problem as one observation (a run, a daemon health check) shows it. */
export interface ObservedFinding {
  /** Stable identity: see `findingId`. */
  id: string;
  org: string;
  type: EventType;
  /** The rule that judged it, or null for connector health. */
  rule: string | null;
  /** `<instance>/<subject ref>` (or the scope): what the finding is about, stable across runs. */
  subject: string;
  /** What a person recognises: a UPN, an app name, "MFA coverage in m365-main". */
  label: string;
  /** Connector instance or rule scope; coverage (what may be resolved) is decided per scope. */
  scope: string;
  severity: Severity;
  /** One sentence: why this is a problem now (the rule's why, the failing streams). */
  detail: string;
}

/**
 * What an observation could judge, so that only judged findings are resolved. An open finding is
 * resolved when it is not observed again AND its type's scope is covered AND it was not seen as
 * not evaluable: missing data never means fixed (fail closed).
 */
export interface Coverage {
  type: EventType;
  /** Scopes (connector instances, rule scopes) the observation judged completely. */
  scopes: string[];
}

export interface Observation {
  org: string;
  /** The run it comes from, or null (a daemon health check). */
  runId: number | null;
  findings: ObservedFinding[];
  coverage: Coverage[];
  /** Ids of findings whose subject was seen but could not be judged: kept open as they are. */
  unknown: string[];
  /** Things the observation could not judge at all, for the report and the log. */
  notes: string[];
}

/**
 * sha256 over (org, event type, rule, subject): the same problem has the same id in every run, so it
 * alerts once, whatever its detail (hours since leaving, coverage percentage) says later.
 */
export function findingId(org: string, type: EventType, rule: string | null, subject: string): string {
  return sha256Hex(canonicalJson([org, type, rule, subject]));
}

export function emptyObservation(org: string, runId: number | null): Observation {
  return { org, runId, findings: [], coverage: [], unknown: [], notes: [] };
}

export function mergeObservations(org: string, runId: number | null, parts: readonly Observation[]): Observation {
  const out = emptyObservation(org, runId);
  for (const p of parts) {
    out.findings.push(...p.findings);
    out.coverage.push(...p.coverage);
    out.unknown.push(...p.unknown);
    out.notes.push(...p.notes);
  }
  return out;
}
