import { csvText } from '../report/csv-text.ts';
import type { ControlSummary } from './results-format.ts';

/** The statement of applicability: every Annex A control the rules evidence, its rules and its result in the period. */
export function statementOfApplicabilityCsv(controls: readonly ControlSummary[]): string {
  return csvText(
    ['control', 'title', 'rules', 'result_in_period', 'runs_pass', 'runs_fail', 'runs_not_evaluable', 'runs_not_applicable', 'evaluated_runs', 'days_without_evaluated_run', 'longest_gap_hours', 'latest_run', 'latest_status'],
    controls.map((c) => [c.control.replace('ISO27001:2022/', ''), c.title, c.rules.join(' '), c.result, c.runs.pass, c.runs.fail, c.runs.notEvaluable, c.runs.notApplicable, c.coverage.evaluatedRuns, c.coverage.daysWithoutEvaluatedRun, c.coverage.longestGapHours, c.latest?.runId ?? null, c.latest?.status ?? null]),
  );
}
