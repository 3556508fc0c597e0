import type { OrganisationConfig } from '../core/config.ts';
import type { EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import { buildSnapshotView } from '../evaluate/build-view.ts';
import { aiOwnershipOf } from './ai-ownership.ts';
import { computeMetrics } from './compute-metrics.ts';
import type { MetricsPeriod } from './compute-metrics.ts';
import { leaverOutcomes } from './leaver-hours.ts';
import { observeLeavers } from './leaver-states.ts';
import { runPointOf } from './run-point.ts';
import type { LeaverObservation, MetricsReport, RunPoint } from './types.ts';

type SealedRun = RunRecord & { status: 'complete' | 'partial' };

/**
 * Reads what the metrics need from the store (the only I/O here) and hands it to the pure parts.
 * Every sealed run of the period is loaded whole once (leavers and AI apps in use are read from
 * snapshots, not results), so cost grows with runs × snapshot size.
 */
export async function loadMetrics(store: EvidenceStore, org: OrganisationConfig, period: MetricsPeriod): Promise<MetricsReport> {
  const runs = (await store.listRuns({ org: org.id }))
    .filter((r): r is SealedRun => r.status === 'complete' || r.status === 'partial')
    .filter((r) => inPeriod(r.startedAt, period))
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.id - b.id);

  const points: RunPoint[] = [];
  const observations: LeaverObservation[] = [];
  for (const run of runs) {
    const evaluation = await store.latestEvaluation(run.id);
    const view = buildSnapshotView(await store.loadSnapshot(run.id), { accounts: org.accounts, identity: org.identity });
    observations.push(observeLeavers(view));
    const shadow = evaluation?.results.find((r) => r.ruleId === 'shadow-ai');
    points.push(runPointOf(run, evaluation?.results ?? null, shadow ? aiOwnershipOf(view, shadow) : null));
  }
  return computeMetrics(org.id, period, points, leaverOutcomes(observations, (leftAt) => inPeriod(leftAt, period)));
}

function inPeriod(iso: string, period: MetricsPeriod): boolean {
  const t = Date.parse(iso);
  return (period.from === null || t >= Date.parse(period.from)) && (period.to === null || t < Date.parse(period.to));
}
