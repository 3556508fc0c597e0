import type { AgentConfig } from '../config/agent-config.ts';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { AgentError } from '../core/errors.ts';
import type { Rule } from '../core/rule.ts';
import type { EvaluationInput, EvaluationRecord, EvidenceStore, StoredSnapshot } from '../store/evidence-store.ts';
import { buildSnapshotView } from './build-view.ts';
import { evaluateRules } from './run-rules.ts';
import { buildInventories } from '../inventory/build-inventories.ts';
import { appInventoryOptions } from '../inventory/app-options.ts';

/**
 * Evaluates a stored run from the store alone (no network) and stores the evaluation. The org's
 * current config supplies account lists, identity links and rule parameters; their digest is stored with the
 * results, so a changed threshold is visible in the evidence.
 */
export async function evaluateStoredRun(store: EvidenceStore, runId: number, config: AgentConfig, rules: readonly Rule[], now: () => Date): Promise<EvaluationRecord> {
  // Judged in a function of its own, so the snapshot and the view (with its correlation: ~200 MB
  // at 100k users) are garbage before the results and inventories are serialised and stored.
  const input = judgeStoredRun(await store.loadSnapshot(runId), runId, config, rules);
  return store.recordEvaluation(runId, { evaluatedAt: now().toISOString(), ...input });
}

function judgeStoredRun(snapshot: StoredSnapshot, runId: number, config: AgentConfig, rules: readonly Rule[]): Omit<EvaluationInput, 'evaluatedAt'> {
  if (snapshot.run.status === 'running' || snapshot.run.status === 'interrupted') {
    throw new AgentError(
      'usage',
      snapshot.run.status === 'running'
        ? `run ${runId} is still running; evaluate it once it has finished`
        : `run ${runId} was interrupted, so it is not evidence and is not evaluated; \`evidentia collect\` makes a new run`,
    );
  }
  const orgIndex = config.organisations.findIndex((o) => o.id === snapshot.run.org);
  if (orgIndex < 0) {
    throw new AgentError('not_found', `run ${runId} belongs to organisation "${snapshot.run.org}", which is not in the config; add it back to evaluate this run`);
  }
  const org = config.organisations[orgIndex]!;
  const view = buildSnapshotView(snapshot, { accounts: org.accounts, identity: org.identity });
  // The approved-apps register lives in the organisation's config; shadow-ai sees only its params,
  // so the register travels there (and into the params digest with it).
  const orgRules = rules.some((r) => r.id === 'shadow-ai') ? { ...org.rules, 'shadow-ai': { ...org.rules['shadow-ai'], approvedApps: org.approvedApps } } : org.rules;
  const { results, params } = evaluateRules(
    view,
    rules,
    { global: config.rules, org: orgRules, exceptions: org.exceptions },
    { global: 'rules', org: `organisations[${orgIndex}].rules`, exceptions: `organisations[${orgIndex}].exceptions` },
  );
  // Identity links and exceptions change who counts as whom and what is accepted, so they are part
  // of what the results depend on.
  const paramsDigest = sha256Hex(canonicalJson({ params, accounts: org.accounts, identity: org.identity, exceptions: org.exceptions }));
  // Inventories are stored with the evaluation (controls.md: evidence every run, not pass/fail).
  const inventories = buildInventories(view, appInventoryOptions(params, org.approvedApps));
  return { paramsDigest, results, inventories };
}
