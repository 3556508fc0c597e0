import type { App } from '../../run/app.ts';
import { collectAndEvaluate, selectOrgs } from '../../run/pipeline.ts';
import { preflight } from '../preflight.ts';
import { createProgress } from '../progress.ts';
import { overallExitStatus, renderResults } from '../../report/results-text.ts';
import { EXIT } from '../exit-codes.ts';
import type { RuleResult } from '../../core/rule.ts';
import { openAlerting } from '../../alert/open-alerting.ts';
import { describeAfterRun, describeDelivery } from '../../alert/describe-reports.ts';
import { isRunLocked } from '../../run/run-lock.ts';

export interface CollectCommandOptions {
  org?: string;
  json?: boolean;
  /** Resume streams that support it from their stored checkpoint (Graph delta for m365 users). */
  incremental?: boolean;
  signal: AbortSignal;
  now: () => Date;
  out: NodeJS.WritableStream;
}

export async function collectCommand(app: App, opts: CollectCommandOptions): Promise<number> {
  const progress = createProgress();
  const all: { org: string; runId: number; results: RuleResult[] }[] = [];
  let interrupted = false;
  let locked = false;
  const orgs = selectOrgs(app, opts.org);
  await preflight(app, orgs);
  // Opened before collecting, so a missing channel secret stops the command before any request.
  const alerting = await openAlerting({ config: app.config, store: app.store, secrets: app.secrets, log: app.log, now: opts.now });
  try {
    for (const i of orgs) {
      const collected = await collectAndEvaluate(app, i, { signal: opts.signal, now: opts.now, trigger: 'manual', onEvent: progress, ...(opts.incremental ? { mode: 'incremental' as const } : {}) }).catch((e: unknown) => {
        // Another process is collecting this org: skip it (nothing stored), say so, collect the others.
        if (!isRunLocked(e)) throw e;
        process.stderr.write(`evidentia: ${e.message}\n`);
        locked = true;
        return null;
      });
      if (!collected) continue;
      const { run, evaluation } = collected;
      if (alerting) process.stderr.write(describeAfterRun(await alerting.afterRun(run, evaluation)));
      if (!evaluation) {
        // Another process took this org's lock over mid-run (our lease lapsed): not a stop request.
        // Say so, count it like a held org (exit 7), and collect the others.
        if (collected.lockLost && !opts.signal.aborted) {
          process.stderr.write(`evidentia: ${collected.lockLost.message} (run ${run.id})\n`);
          locked = true;
          continue;
        }
        interrupted = true;
        break;
      }
      all.push({ org: run.org, runId: run.id, results: evaluation.results });
      if (!opts.json) opts.out.write(`\n${run.org} — run ${run.id}\n${renderResults(evaluation.results)}\n`);
    }
  } finally {
    // Alerts never change the exit code: a failed delivery stays in the outbox and is retried.
    // Ctrl-C sends nothing more and cuts a send in flight: what is left stays due for the next command or the daemon.
    if (alerting) await alerting.deliverDue({ signal: opts.signal, interrupt: opts.signal }).then((d) => process.stderr.write(describeDelivery(d))).finally(() => alerting.close());
  }
  if (opts.json) opts.out.write(`${JSON.stringify(all, null, 2)}\n`);
  // Ctrl-C while alerts were being sent interrupts the command too, even with every run stored.
  if (interrupted || opts.signal.aborted) return EXIT.interrupted;
  if (locked) return EXIT.locked;
  return all.every((a) => overallExitStatus(a.results) === 'ok') ? EXIT.ok : EXIT.findings;
}
