import type { OrganisationConfig } from '../core/config.ts';
import type { EvaluationRecord, EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import { buildSnapshotView } from '../evaluate/build-view.ts';
import { aiOwnershipFromApps, aiOwnershipOf } from './ai-ownership.ts';
import { observeLeavers, observeStoredLeavers } from './leaver-states.ts';
import type { ShadowAiJudge } from './ai-ownership.ts';
import type { AiOwnership, LeaverObservation, MetricsGap } from './types.ts';

/** What the metrics need from one sealed run beyond its stored results. */
export interface RunInputs {
  observation: LeaverObservation;
  /** Null: no shadow-ai result, not evaluable, or the apps inventory cannot be relied on (then a gap says so). */
  aiOwnership: AiOwnership | null;
  /** Gaps the inputs themselves show (an incomplete inventory); the run point adds them to its own. */
  gaps: Pick<MetricsGap, 'kind' | 'rule' | 'detail'>[];
  /** Where they were read from: the inventories stored with the evaluation, or the whole snapshot. */
  from: 'inventories' | 'snapshot';
}

/** What every run of one report shares: the store, the organisation, and the shadow-ai params read once per distinct params. */
export interface ReadContext {
  store: EvidenceStore;
  org: OrganisationConfig;
  shadowAi: ShadowAiJudge;
}

export type ReadRunInputs = (ctx: ReadContext, run: RunRecord, evaluation: EvaluationRecord | null) => Promise<RunInputs>;

/**
 * Prefers the leavers and apps inventories stored with the run's latest evaluation: two small,
 * hashed rows instead of the whole snapshot (every entity, correlation, shadow-ai re-run). The
 * store re-hashes them on the way out, so a changed inventory stops the report (`store_failed`,
 * "run `evidentia verify`") instead of turning into a figure. Runs without inventories (never
 * evaluated, or evaluated before inventories existed) are read from their snapshot as before.
 */
export const readRunInputs: ReadRunInputs = async (ctx, run, evaluation) => {
  const stored = evaluation === null ? null : await ctx.store.loadInventoryKinds(evaluation.id, ['leavers', 'apps']);
  if (stored === null) return readSnapshotInputs(ctx, run, evaluation);
  const gaps: RunInputs['gaps'] = [];
  const at = `run ${run.id} (${run.startedAt})`;
  if (!stored.leavers.availability.complete) {
    gaps.push({ kind: 'inventory_incomplete', rule: null, detail: `${at}: its leavers inventory is incomplete (${stored.leavers.availability.reasons.join('; ')}), so this run shows no leaver's access as removed` });
  }
  const shadow = evaluation!.results.find((r) => r.ruleId === 'shadow-ai');
  let aiOwnership: AiOwnership | null = null;
  // A not_evaluable shadow-ai is already a gap of its own (run-point.ts) and has no ownership figure.
  if (shadow && shadow.status !== 'not_evaluable') {
    if (stored.apps.availability.complete) aiOwnership = aiOwnershipFromApps(stored.apps, shadow, ctx.shadowAi);
    else gaps.push({ kind: 'inventory_incomplete', rule: 'shadow-ai', detail: `${at}: its apps inventory is incomplete (${stored.apps.availability.reasons.join('; ')}), so AI app ownership is not measured` });
  }
  return { observation: observeStoredLeavers(stored.leavers, { runId: run.id, startedAt: new Date(run.startedAt).toISOString() }), aiOwnership, gaps, from: 'inventories' };
};

/** From the run's whole snapshot: for runs without stored inventories, and to check the inventory path against. */
export const readSnapshotInputs: ReadRunInputs = async ({ store, org, shadowAi }, run, evaluation) => {
  const view = buildSnapshotView(await store.loadSnapshot(run.id), { accounts: org.accounts, identity: org.identity });
  const shadow = evaluation?.results.find((r) => r.ruleId === 'shadow-ai');
  return { observation: observeLeavers(view), aiOwnership: shadow ? aiOwnershipOf(view, shadow, shadowAi) : null, gaps: [], from: 'snapshot' };
};
