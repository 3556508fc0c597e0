import type { OrganisationConfig } from '../core/config.ts';
import type { EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import { createShadowAiParamsCache } from './ai-ownership.ts';
import { computeMetrics } from './compute-metrics.ts';
import type { MetricsPeriod } from './compute-metrics.ts';
import { leaverOutcomes } from './leaver-hours.ts';
import { runPointOf } from './run-point.ts';
import { readRunInputs } from './run-inputs.ts';
import type { ReadRunInputs } from './run-inputs.ts';
import type { LeaverObservation, MetricsReport, RunPoint } from './types.ts';

type SealedRun = RunRecord & { status: 'complete' | 'partial' };

/**
 * Reads what the metrics need from the store (the only I/O here) and hands it to the pure parts.
 * Per sealed run of the period: its latest evaluation, and the leavers and apps inventories stored
 * with it (run-inputs.ts); only runs without stored inventories are loaded whole, from their
 * snapshot. `readInputs` is replaceable so tests can check both ways give the same report.
 */
export async function loadMetrics(store: EvidenceStore, org: OrganisationConfig, period: MetricsPeriod, readInputs: ReadRunInputs = readRunInputs): Promise<MetricsReport> {
  const runs = (await store.listRuns({ org: org.id }))
    .filter((r): r is SealedRun => r.status === 'complete' || r.status === 'partial')
    .filter((r) => inPeriod(r.startedAt, period))
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.id - b.id);

  const points: RunPoint[] = [];
  const observations: LeaverObservation[] = [];
  const ctx = { store, org, shadowAi: createShadowAiParamsCache() };
  for (const run of runs) {
    const evaluation = await store.latestEvaluation(run.id);
    const inputs = await readInputs(ctx, run, evaluation);
    observations.push(inputs.observation);
    const point = runPointOf(run, evaluation?.results ?? null, inputs.aiOwnership);
    for (const g of inputs.gaps) point.gaps.push({ ...g, quarter: point.quarter, runId: run.id, from: null, to: null });
    points.push(point);
  }
  return computeMetrics(org.id, period, points, leaverOutcomes(observations, (leftAt) => inPeriod(leftAt, period)));
}

function inPeriod(iso: string, period: MetricsPeriod): boolean {
  const t = Date.parse(iso);
  return (period.from === null || t >= Date.parse(period.from)) && (period.to === null || t < Date.parse(period.to));
}
