import type { RuleResult } from '../core/rule.ts';
import type { RunRecord } from '../store/evidence-store.ts';
import { REGISTER_SCOPE } from '../../rules/shadow-ai.ts';
import { quarterOf } from './quarter.ts';
import type { AiOwnership, AppRef, MetricsGap, RunPoint } from './types.ts';

/** The rules whose results feed the metrics. */
export const METRIC_RULES = ['mfa-coverage', 'privileged-count', 'shadow-ai'] as const;

/**
 * One run's metrics from its latest evaluation (`null` when it has none). Pure. `aiOwnership` comes
 * from the snapshot (ai-ownership.ts): results list only failing apps, not the approved ones in use.
 */
export function runPointOf(run: RunRecord & { status: 'complete' | 'partial' }, results: readonly RuleResult[] | null, aiOwnership: AiOwnership | null): RunPoint {
  const quarter = quarterOf(run.startedAt);
  const point: RunPoint = { runId: run.id, startedAt: run.startedAt, status: run.status, quarter, evaluated: results !== null, mfaCoverage: null, mfaBySystem: {}, admins: {}, unapprovedAiApps: null, aiOwnership: null, gaps: [] };
  const gap = (g: Pick<MetricsGap, 'kind' | 'rule' | 'detail'>): void => {
    point.gaps.push({ ...g, quarter, runId: run.id, from: null, to: null });
  };
  if (results === null) {
    gap({ kind: 'not_evaluated', rule: null, detail: `run ${run.id} (${run.startedAt}) was never evaluated; \`evidentia evaluate --run ${run.id}\` would measure it` });
    return point;
  }
  const byId = new Map(results.map((r) => [r.ruleId, r]));
  for (const id of METRIC_RULES) {
    const r = byId.get(id);
    if (!r) gap({ kind: 'rule_missing', rule: id, detail: `run ${run.id}: ${id} has no result in its latest evaluation` });
    else if (r.status === 'not_evaluable') gap({ kind: 'not_evaluable', rule: id, detail: `run ${run.id}: ${id} not evaluable: ${r.reasons[0] ?? r.summary}` });
  }

  const mfa = byId.get('mfa-coverage');
  if (mfa) {
    // A not_evaluable result may still carry a partial overall share; it is not the org's coverage.
    point.mfaCoverage = mfa.status === 'not_evaluable' ? null : mfa.measured;
    point.mfaBySystem = measuredRows(mfa);
  }
  const admins = byId.get('privileged-count');
  if (admins) point.admins = measuredRows(admins);
  const ai = byId.get('shadow-ai');
  if (ai) {
    // As for MFA: a result that could not judge every app is no count of them (its gap says why).
    point.unapprovedAiApps = ai.status === 'not_evaluable' ? null : unapprovedApps(ai);
    point.aiOwnership = aiOwnership;
  }
  return point;
}

/** Per-system rows the rule could measure (`overall` and unmeasured systems left out). */
function measuredRows(r: RuleResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of r.breakdown) if (b.scope !== 'overall' && b.status !== 'not_evaluable' && b.measured !== null) out[b.scope] = b.measured;
  return out;
}

/**
 * Distinct AI apps held without approval. `excepted` counts too: an exception accepts the risk, it
 * does not approve the app (shadow-ai keeps them in `measured` for this metric). Register faults
 * (instance `approved-apps`) are about approved apps and are not counted.
 */
export function unapprovedApps(r: RuleResult): AppRef[] {
  const seen = new Map<string, string>();
  for (const s of r.subjects) {
    if ((s.status === 'fail' || s.status === 'excepted') && s.instance !== REGISTER_SCOPE && s.ref.startsWith('ai-app:') && !seen.has(s.ref)) seen.set(s.ref, s.label);
  }
  return [...seen].map(([ref, label]) => ({ ref, label })).sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
