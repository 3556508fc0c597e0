import type { App } from '../../run/app.ts';
import { AgentError } from '../../core/errors.ts';
import { overallExitStatus, renderResults } from '../../report/results-text.ts';
import { EXIT } from '../exit-codes.ts';
import { selectOrgs } from '../../run/pipeline.ts';
import type { EvaluationRecord, RunRecord } from '../../store/evidence-store.ts';

/** The latest stored results per organisation (or of one run), without collecting anything. */
export async function resultsCommand(app: App, opts: { org?: string; run?: number; json?: boolean; out: NodeJS.WritableStream }): Promise<number> {
  const found: { run: RunRecord; evaluation: EvaluationRecord }[] = [];
  if (opts.run !== undefined) {
    const run = await app.store.getRun(opts.run);
    if (!run) throw new AgentError('not_found', `run ${opts.run} does not exist; \`evidentia runs\` lists the stored runs`);
    const evaluation = await app.store.latestEvaluation(run.id);
    if (!evaluation) throw new AgentError('not_found', `run ${run.id} (${run.status}) has no evaluation; run \`evidentia evaluate --run ${run.id}\``);
    found.push({ run, evaluation });
  } else {
    for (const i of selectOrgs(app, opts.org)) {
      const org = app.config.organisations[i]!.id;
      const run = await app.store.latestEvaluatedRun(org);
      const evaluation = run ? await app.store.latestEvaluation(run.id) : null;
      if (run && evaluation) found.push({ run, evaluation });
      else if (!opts.json) opts.out.write(`${org}: no evaluated run yet; run \`evidentia collect\`\n`);
    }
  }
  if (opts.json) {
    const payload = found.map(({ run, evaluation }) => ({
      org: run.org,
      runId: run.id,
      runStatus: run.status,
      collectedAt: run.startedAt,
      manifestHash: run.manifestHash,
      evaluatedAt: evaluation.evaluatedAt,
      resultsHash: evaluation.resultsHash,
      results: evaluation.results,
    }));
    opts.out.write(`${JSON.stringify(payload, null, 2)}\n`);
  } else {
    for (const { run, evaluation } of found) {
      opts.out.write(`\n${run.org} — run ${run.id} (${run.status}), collected ${run.startedAt}, evaluated ${evaluation.evaluatedAt}\n${renderResults(evaluation.results)}\n`);
    }
  }
  if (found.length === 0) return EXIT.findings;
  return found.every((f) => overallExitStatus(f.evaluation.results) === 'ok') ? EXIT.ok : EXIT.findings;
}
