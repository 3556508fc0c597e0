import type { App } from '../../run/app.ts';
import { evaluateStoredRun } from '../../evaluate/evaluate-run.ts';
import { allRules } from '../../../rules/index.ts';
import { canonicalJson } from '../../core/canonical-json.ts';
import { overallExitStatus, renderResults } from '../../report/results-text.ts';
import { EXIT } from '../exit-codes.ts';

/**
 * Re-evaluates a stored run offline: rules read only the store. Says whether the new results equal
 * the previous evaluation, so an auditor can see that stored evidence yields the stored verdict.
 */
export async function evaluateCommand(app: App, opts: { run: number; json?: boolean; now: () => Date; out: NodeJS.WritableStream }): Promise<number> {
  const previous = await app.store.latestEvaluation(opts.run);
  const evaluation = await evaluateStoredRun(app.store, opts.run, app.config, allRules, opts.now);
  const same = previous !== null && canonicalJson(previous.results) === canonicalJson(evaluation.results);
  if (opts.json) {
    opts.out.write(`${JSON.stringify({ runId: opts.run, evaluationId: evaluation.id, identicalToPrevious: previous ? same : null, results: evaluation.results }, null, 2)}\n`);
  } else {
    opts.out.write(`${renderResults(evaluation.results)}\n\n`);
    opts.out.write(
      previous
        ? same
          ? `Re-evaluated run ${opts.run} offline: identical to the evaluation of ${previous.evaluatedAt}.\n`
          : `Re-evaluated run ${opts.run} offline: results DIFFER from the evaluation of ${previous.evaluatedAt} (rule parameters or account lists changed; digest ${evaluation.paramsDigest.slice(0, 12)} vs ${previous.paramsDigest.slice(0, 12)}).\n`
        : `Evaluated run ${opts.run} offline (its first evaluation).\n`,
    );
  }
  return overallExitStatus(evaluation.results) === 'ok' ? EXIT.ok : EXIT.findings;
}
