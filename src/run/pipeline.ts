import { configDigest } from '../core/config-digest.ts';
import { UsageError } from '../core/errors.ts';
import { resolveConnectors } from '../collect/connector-registry.ts';
import { runCollection, type CollectEvent } from '../collect/run-collection.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { EvaluationRecord, RunRecord, BeginRun } from '../store/evidence-store.ts';
import { allRules } from '../../rules/index.ts';
import type { App } from './app.ts';
import { TOOL_VERSION } from './version.ts';
import { lostRunLock, withRunLock } from './run-lock.ts';
import type { RunLockLostError } from './run-lock.ts';

export interface OrgRunResult {
  run: RunRecord;
  /** Null when the run was interrupted: an interrupted run is never evaluated. */
  evaluation: EvaluationRecord | null;
  /** Every stream's outcome in this run, per connector instance (for health, metrics and alerts). */
  outcomes: StreamOutcome[];
  /** Set when the run was interrupted because another process took its run lock over (not Ctrl-C). */
  lockLost?: RunLockLostError;
}

/** The organisations a command acts on: `--org` or all of them. */
export function selectOrgs(app: App, org: string | undefined): number[] {
  if (org === undefined) return app.config.organisations.map((_, i) => i);
  const i = app.config.organisations.findIndex((o) => o.id === org);
  if (i < 0) throw new UsageError(`--org ${org}: no such organisation in the config; known: ${app.config.organisations.map((o) => o.id).join(', ')}`);
  return [i];
}

/**
 * One run: collect every connector of the org, seal the evidence, evaluate every rule from the
 * store, store the results. An interrupted run is sealed as such and not evaluated. The whole run
 * holds the org's run lock; when another process holds it, throws `RunLockedError` and stores nothing.
 */
export async function collectAndEvaluate(
  app: App,
  orgIndex: number,
  opts: {
    signal: AbortSignal;
    now: () => Date;
    trigger: BeginRun['trigger'];
    onEvent?: (e: CollectEvent) => void;
    /** Track changes between runs (see CollectOptions.mode); absent: a plain full run. */
    mode?: 'full' | 'incremental';
  },
): Promise<OrgRunResult> {
  const org = app.config.organisations[orgIndex]!;
  const connectors = resolveConnectors(app.config, orgIndex, app.registry);
  return withRunLock(app, org.id, { trigger: opts.trigger, signal: opts.signal }, (signal) => collectAndEvaluateLocked(app, orgIndex, connectors, { ...opts, signal }));
}

async function collectAndEvaluateLocked(
  app: App,
  orgIndex: number,
  connectors: ReturnType<typeof resolveConnectors>,
  opts: Parameters<typeof collectAndEvaluate>[2],
): Promise<OrgRunResult> {
  const org = app.config.organisations[orgIndex]!;
  const { run, outcomes } = await runCollection({
    store: app.store,
    org: org.id,
    connectors,
    httpFor: app.httpFor,
    secrets: app.secrets,
    log: app.log,
    signal: opts.signal,
    now: opts.now,
    run: { toolVersion: TOOL_VERSION, configDigest: configDigest(app.config, org.id), trigger: opts.trigger },
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
  });
  if (run.status === 'interrupted') {
    const lockLost = lostRunLock(opts.signal);
    return lockLost ? { run, evaluation: null, outcomes, lockLost } : { run, evaluation: null, outcomes };
  }
  const evaluation = await evaluateStoredRun(app.store, run.id, app.config, allRules, opts.now);
  return { run, evaluation, outcomes };
}
