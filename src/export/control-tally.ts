import type { RuleResult } from '../core/rule.ts';
import { MISSED_DAYS_AFTER_HOURS } from '../metrics/thresholds.ts';
import { CONTROL_CATALOG } from '../../rules/control-catalog.ts';
import type { ControlSummary } from './results-format.ts';
import { compareCodeUnits } from '../core/code-unit-order.ts';

const ANNEX_A = 'ISO27001:2022/';

/** A control's status in one run: the worst of its rules there. */
export type ControlRunStatus = 'pass' | 'fail' | 'not_evaluable' | 'not_applicable';

export interface ControlRunPoint {
  runId: number;
  startedAt: string;
  status: ControlRunStatus;
}

export interface ControlHistory {
  summary: ControlSummary;
  /** One point per evaluated run, oldest first: the report's status strip. */
  points: ControlRunPoint[];
}

/** The rules' Annex A controls, sorted the way the standard numbers them (A.5.2 before A.5.10). */
export function annexAControls(rules: readonly { id: string; controls: readonly string[] }[]): Map<string, string[]> {
  const byControl = new Map<string, string[]>();
  for (const r of rules) for (const c of r.controls) if (c.startsWith(ANNEX_A)) byControl.set(c, [...(byControl.get(c) ?? []), r.id]);
  return new Map([...byControl].sort(([a], [b]) => compareControlIds(a, b)));
}

export function compareControlIds(a: string, b: string): number {
  const pa = a.replace(/^.*A\./, '').split('.').map(Number);
  const pb = b.replace(/^.*A\./, '').split('.').map(Number);
  return (pa[0]! - pb[0]!) || (pa[1]! - pb[1]!) || compareCodeUnits(a, b);
}

/**
 * Folds each evaluated run of the period into per-control history. Fail-closed: one failing run
 * makes the period `fail`, one not-evaluable run (and no failure) makes it `not_evaluable`; a
 * period passes only when every evaluated run passed. A rule `N/A` for the organisation is skipped.
 * A period that passed but has a stretch of more than MISSED_DAYS_AFTER_HOURS without an evaluated
 * run (at its start, between runs or at its end) is `pass_with_gaps`: a year resting on one
 * January run is not a plain pass.
 */
export function createControlTally(rules: readonly { id: string; controls: readonly string[] }[], period: { from: string; to: string }) {
  const controls = annexAControls(rules);
  const history = new Map<string, ControlRunPoint[]>([...controls.keys()].map((c) => [c, []]));
  return {
    add(run: { id: number; startedAt: string }, results: readonly RuleResult[]): void {
      const byRule = new Map(results.map((r) => [r.ruleId, r]));
      for (const [control, ruleIds] of controls) {
        const statuses = ruleIds.map((id) => byRule.get(id)).map((r): ControlRunStatus => (r === undefined ? 'not_evaluable' : r.notApplicable ? 'not_applicable' : r.status));
        history.get(control)!.push({ runId: run.id, startedAt: run.startedAt, status: worst(statuses) });
      }
    },
    histories(): ControlHistory[] {
      return [...controls].map(([control, ruleIds]) => {
        const points = history.get(control)!;
        const count = (s: ControlRunStatus) => points.filter((p) => p.status === s).length;
        const runs = { pass: count('pass'), fail: count('fail'), notEvaluable: count('not_evaluable'), notApplicable: count('not_applicable') };
        const coverage = coverageOf(points, period);
        const result: ControlSummary['result'] =
          points.length === 0 ? 'no_evidence' : runs.fail > 0 ? 'fail' : runs.notEvaluable > 0 ? 'not_evaluable' : runs.pass > 0 ? (coverage.longestGapHours > MISSED_DAYS_AFTER_HOURS ? 'pass_with_gaps' : 'pass') : 'not_applicable';
        const last = points.at(-1);
        return {
          summary: { control, title: CONTROL_CATALOG.get(control) ?? control, rules: ruleIds, result, runs, coverage, latest: last ? { runId: last.runId, status: last.status } : null },
          points,
        };
      });
    },
  };
}

const DAY_MS = 86_400_000;

/**
 * How well the evaluated runs cover the period: how many there are, on how many UTC days of the
 * period none started, and the longest stretch (hours) without one, the period's edges included.
 */
export function coverageOf(points: readonly { startedAt: string }[], period: { from: string; to: string }): ControlSummary['coverage'] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const times = points.map((p) => Date.parse(p.startedAt)).sort((a, b) => a - b);
  const days = new Set(times.map((t) => Math.floor(t / DAY_MS)));
  let daysWithout = 0;
  for (let d = Math.floor(from / DAY_MS); d * DAY_MS < to; d++) if (!days.has(d)) daysWithout++;
  const edges = [from, ...times, to];
  let longest = 0;
  for (let i = 1; i < edges.length; i++) longest = Math.max(longest, edges[i]! - edges[i - 1]!);
  return { evaluatedRuns: times.length, daysWithoutEvaluatedRun: daysWithout, longestGapHours: Math.floor(longest / 3_600_000) };
}

function worst(statuses: readonly ControlRunStatus[]): ControlRunStatus {
  for (const s of ['fail', 'not_evaluable', 'pass'] as const) if (statuses.includes(s)) return s;
  return 'not_applicable';
}
