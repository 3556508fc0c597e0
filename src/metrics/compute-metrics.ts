import { medianHours, worstHours } from './leaver-hours.ts';
import { quarterBounds, quarterOf, quartersBetween } from './quarter.ts';
import type { AppRef, LeaverOutcome, MetricsGap, MetricsReport, QuarterMetrics, RunPoint } from './types.ts';

import { MISSED_DAYS_AFTER_HOURS } from './thresholds.ts';
import { compareCodeUnits } from '../core/code-unit-order.ts';

export { MISSED_DAYS_AFTER_HOURS };

const HOUR_MS = 3_600_000;

export interface MetricsPeriod {
  /** Inclusive start (ISO instant), or null for "since the first run". */
  from: string | null;
  /** Exclusive end (ISO instant), or null for "up to the last run". */
  to: string | null;
}

/** Aggregates run points and leaver outcomes into the report. Pure; `points` in any order. */
export function computeMetrics(org: string, period: MetricsPeriod, points: readonly RunPoint[], leavers: readonly LeaverOutcome[]): MetricsReport {
  const runs = [...points].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.runId - b.runId);
  const gaps: MetricsGap[] = [...holes(runs, period), ...runs.flatMap((r) => r.gaps), ...leavers.filter((l) => !l.measured).map(unmeasuredLeaver)];

  const first = period.from ?? runs[0]?.startedAt ?? null;
  // `to` is exclusive: the quarter of its last millisecond.
  const last = period.to !== null ? new Date(Date.parse(period.to) - 1).toISOString() : (runs.at(-1)?.startedAt ?? null);
  const quarters = first !== null && last !== null && first <= last ? quartersBetween(first, last) : [];
  const out: QuarterMetrics[] = [];
  for (const q of quarters) {
    const inQ = runs.filter((r) => r.quarter === q);
    const { start, end } = quarterBounds(q);
    if (inQ.length === 0) gaps.push({ kind: 'no_runs', quarter: q, runId: null, rule: null, from: start, to: end, detail: `${q}: no sealed run, nothing measured` });
    else if (!inQ.some((r) => r.evaluated)) gaps.push({ kind: 'no_runs', quarter: q, runId: null, rule: null, from: start, to: end, detail: `${q}: ${inQ.length} run(s) but none evaluated, nothing measured` });
    out.push(quarterMetrics(q, inQ, leavers.filter((l) => l.quarter === q)));
  }
  gaps.sort((a, b) => (a.quarter < b.quarter ? -1 : a.quarter > b.quarter ? 1 : 0) || compareCodeUnits(a.from ?? '', b.from ?? '') || (a.runId ?? 0) - (b.runId ?? 0));
  return { org, period, missedDaysAfterHours: MISSED_DAYS_AFTER_HOURS, quarters: out, runs, leavers: [...leavers], gaps };
}

function quarterMetrics(quarter: string, runs: readonly RunPoint[], leavers: readonly LeaverOutcome[]): QuarterMetrics {
  const apps = new Map<string, AppRef>();
  for (const r of runs) for (const a of r.unapprovedAiApps ?? []) if (!apps.has(a.ref)) apps.set(a.ref, a);
  const aiMeasured = runs.some((r) => r.unapprovedAiApps !== null);
  const admins: QuarterMetrics['admins'] = {};
  for (const r of runs) {
    for (const [system, n] of Object.entries(r.admins)) {
      const m = admins[system];
      admins[system] = m ? { min: Math.min(m.min, n), max: Math.max(m.max, n) } : { min: n, max: n };
    }
  }
  // "Latest" means the latest run that measured it: an unmeasured later run is a gap, listed as such.
  const mfa = runs.findLast((r) => r.mfaCoverage !== null);
  const ai = runs.findLast((r) => r.aiOwnership !== null);
  // A closing seen only after a hole says "at most", not how long: left out of median and worst.
  const values = leavers.filter((l) => l.measured).map((l) => l.value);
  return {
    quarter,
    runs: runs.length,
    evaluatedRuns: runs.filter((r) => r.evaluated).length,
    unapprovedAiApps: aiMeasured ? [...apps.values()].sort((a, b) => compareCodeUnits(a.ref, b.ref)) : null,
    latestMfaCoverage: mfa ? { runId: mfa.runId, value: mfa.mfaCoverage! } : null,
    admins,
    latestAiOwnership: ai ? { runId: ai.runId, ...ai.aiOwnership! } : null,
    leavers: { count: leavers.length, unmeasured: leavers.length - values.length, resolved: values.filter((v) => !v.open).length, open: values.filter((v) => v.open).length, medianHours: medianHours(values), worstHours: worstHours(values) },
  };
}

/** Spans of more than MISSED_DAYS_AFTER_HOURS with no sealed run, including at the period's edges. */
function holes(runs: readonly RunPoint[], period: MetricsPeriod): MetricsGap[] {
  const times = runs.map((r) => r.startedAt);
  const edges: [string, string][] = [];
  if (times.length > 0) {
    if (period.from !== null) edges.push([period.from, times[0]!]);
    for (let i = 1; i < times.length; i++) edges.push([times[i - 1]!, times[i]!]);
    if (period.to !== null) edges.push([times.at(-1)!, period.to]);
  }
  return edges
    .filter(([a, b]) => Date.parse(b) - Date.parse(a) > MISSED_DAYS_AFTER_HOURS * HOUR_MS)
    .map(([a, b]) => {
      const hours = Math.floor((Date.parse(b) - Date.parse(a)) / HOUR_MS);
      return { kind: 'missed_days' as const, quarter: quarterOf(a), runId: null, rule: null, from: a, to: b, detail: `no run for ${hours} h (${Math.floor(hours / 24)} days) between ${a} and ${b}` };
    });
}

function unmeasuredLeaver(l: LeaverOutcome): MetricsGap {
  const window = Math.floor(l.windowHours ?? 0);
  return {
    kind: 'leaver_unmeasured',
    quarter: l.quarter,
    runId: l.closedByRun,
    rule: null,
    from: l.leftAt,
    to: null,
    detail: `${l.name} left ${l.leftAt}; run ${l.closedByRun} saw no access left, but no run saw their access in the ${window} h before it: removed at most ${Math.floor(l.value.hours)} h after leaving, exact time unknown (not in median or worst)`,
  };
}
