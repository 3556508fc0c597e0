import type { HttpContext } from '../http/http-context.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { EvidenceStore, RunMode, RunRecord } from '../store/evidence-store.ts';
import { nextRunMode } from './run-mode.ts';
import type { App } from '../run/app.ts';
import { collectAndEvaluate, type OrgRunResult } from '../run/pipeline.ts';
import type { DaemonClock } from './daemon-clock.ts';
import { checkDaemonSchedules, scheduleFor } from './daemon-config.ts';
import { createDaemonMetrics, type ConnectorApiStats, type DaemonMetrics } from './daemon-metrics.ts';
import { applyRun, healthReport, isSuccessfulRun, runRef, type HealthReport, type OrgState } from './health.ts';
import { startHttpEndpoint, type HttpEndpoint } from './http-endpoint.ts';
import { pruneAfterRun } from './retention-step.ts';
import { Scheduler, type SchedulerEvent } from './scheduler.ts';
import { isRunLocked } from '../run/run-lock.ts';

export interface DaemonOptions {
  app: App;
  clock: DaemonClock;
  /** In [0, 1); Math.random in production. */
  random: () => number;
  /** Called after every run (interrupted ones too), e.g. by alerts; its errors are logged, never fatal. */
  onRunFinished?: (result: OrgRunResult) => Promise<void> | void;
  /** Test seam: one run of an org. @default collect every connector, store, evaluate */
  runOnce?: (app: App, orgIndex: number, opts: { signal: AbortSignal; now: () => Date; mode: RunMode }) => Promise<OrgRunResult>;
  onSchedulerEvent?: (e: SchedulerEvent) => void;
  /**
   * Alert retention, run after each run beside the raw-page prune (`retention-step.ts`,
   * `pruneAlertHistory`); it logs its own errors. Absent: alert history is not pruned (tests).
   */
  pruneAlertHistory?: (now: Date) => Promise<unknown>;
  /** Made by the caller when something built before the daemon (alerts) must count into it. @default a fresh registry */
  metrics?: DaemonMetrics;
}

export interface RunningDaemon {
  /** Where `/healthz` and `/metrics` are served; null when `daemon.http.enabled` is false. */
  url: string | null;
  metrics: DaemonMetrics;
  health(): HealthReport;
  /** Takes in runs other processes sealed since (`/healthz` does this on every request; alerts before each overdue check). */
  refresh(): Promise<void>;
  /** Aborts runs in flight, waits for them (sealed as interrupted), closes the endpoint. Does not close the store. */
  stop(): Promise<void>;
}

/** How many of an org's newest runs are read at start to find its last good one. */
const SEED_RUNS = 50;
/** Of those, how many runs' stream outcomes are read at most to find each connector's last good run (a connector failing longer stays without one). */
const SEED_OUTCOME_RUNS = 10;

/**
 * `evidentia daemon`'s engine: a scheduler per organisation, each run followed by metrics, health,
 * retention and the `onRunFinished` hook, and the local health/metrics endpoint.
 */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { app, clock } = opts;
  const { config, log } = app;
  const daemon = config.daemon;
  checkDaemonSchedules(daemon, config.organisations.map((o) => o.id));
  const since = clock.now();
  const graceMs = daemon.graceSeconds * 1000;
  const metrics = opts.metrics ?? createDaemonMetrics();
  const states = new Map<string, OrgState>();
  for (const org of config.organisations) {
    const schedule = { pattern: scheduleFor(daemon, org.id), timezone: daemon.timezone };
    states.set(org.id, await seedState(app.store, org.id, schedule, org.connectors.map((c) => c.id)));
  }
  const runOnce = opts.runOnce ?? ((a, i, o) => collectAndEvaluate(a, i, { ...o, trigger: 'schedule' }));

  const runOrg = async (org: string, signal: AbortSignal): Promise<void> => {
    const index = config.organisations.findIndex((o) => o.id === org);
    // Each connector's HTTP counters, read once the run is over, feed the API-call metrics.
    const api: Array<{ instance: string; ctx: HttpContext }> = [];
    const counted: App = { ...app, httpFor: (instance) => {
      const ctx = app.httpFor(instance);
      api.push({ instance, ctx });
      return ctx;
    } };
    const { mode, why } = await nextRunMode(app.store, org, daemon, clock.now());
    log.info({ org, mode, why }, 'scheduled run starting');
    let result: OrgRunResult;
    try {
      result = await runOnce(counted, index, { signal, now: () => clock.now(), mode });
    } catch (e) {
      if (!isRunLocked(e)) throw e;
      // Another process (a hand-run collect, cron, a second daemon) is collecting this org: skip
      // the slot, not queue it; the next slot tries again.
      const h = e.heldBy;
      const heldBy = { command: h.command, pid: h.pid, hostname: h.hostname, since: h.acquiredAt };
      log.warn({ org, heldBy }, 'slot skipped: another process is collecting this organisation');
      metrics.recordLockedSlot(org);
      const state = states.get(org)!;
      states.set(org, { ...state, lockedSlots: { count: (state.lockedSlots?.count ?? 0) + 1, lastAt: clock.now().toISOString(), heldBy } });
      return;
    }
    const stats: ConnectorApiStats[] = api.map((a) => ({ instance: a.instance, stats: a.ctx.stats.snapshot() }));
    metrics.recordRun(result, stats);
    states.set(org, applyRun(states.get(org)!, result.run, result.outcomes));
    if (result.lockLost) {
      // Counted and shown as an interrupted run (metrics, /healthz lastRun); its slot is owed, so the
      // next slot tries again. Not a daemon failure: another process holds the organisation now.
      const by = result.lockLost.takenBy;
      const takenBy = by ? { command: by.command, pid: by.pid, hostname: by.hostname, since: by.acquiredAt } : null;
      log.warn({ org, run: result.run.id, takenBy }, 'scheduled run interrupted: another process took over the run lock');
    } else {
      log.info({ org, run: result.run.id, status: result.run.status }, 'scheduled run finished');
    }
    if (config.retention.rawPagesDays !== undefined && !signal.aborted) {
      await pruneAfterRun(app.store, { days: config.retention.rawPagesDays, now: clock.now(), log });
    }
    if (opts.pruneAlertHistory && !signal.aborted) await opts.pruneAlertHistory(clock.now());
    if (opts.onRunFinished) {
      try {
        await opts.onRunFinished(result);
      } catch (err) {
        log.error({ org, run: result.run.id, err }, 'the run-finished hook failed');
      }
    }
  };

  const scheduler = new Scheduler({
    orgs: [...states.values()].map((s) => ({ org: s.org, schedule: s.schedule })),
    maxJitterMs: daemon.jitterSeconds * 1000,
    clock,
    random: opts.random,
    log,
    lastRunStart: (org) => lastCountingRunStart(app.store, org),
    runOrg,
    onEvent: (e) => {
      if (e.type === 'slot_skipped') metrics.recordSkippedSlot(e.org);
      opts.onSchedulerEvent?.(e);
    },
  });
  const health = () => healthReport([...states.values()], { now: clock.now(), since, graceMs, running: scheduler.runningOrgs() });

  /**
   * Runs another process stored (a hand-run `collect`, cron, a second daemon) count too: without
   * this, an org collected by hand while its slot was skipped for the lock would read as stale
   * (a 503 and a false `connector_overdue`) until the daemon's own next run.
   */
  const refresh = async (): Promise<void> => {
    const running = new Set(scheduler.runningOrgs());
    for (const org of config.organisations) {
      const before = states.get(org.id)!;
      if (running.has(org.id)) continue;
      const newest = (await app.store.listRuns({ org: org.id, limit: 5 })).find((r) => r.status !== 'running');
      if (!newest || newest.id === before.lastRun?.id) continue;
      const fresh = await seedState(app.store, org.id, before.schedule, org.connectors.map((c) => c.id));
      // A run of our own that finished meanwhile has already moved the state on: keep that.
      if (states.get(org.id) !== before) continue;
      states.set(org.id, before.lockedSlots ? { ...fresh, lockedSlots: before.lockedSlots } : fresh);
    }
  };

  let endpoint: HttpEndpoint | null = null;
  if (daemon.http.enabled) {
    const freshHealth = async () => {
      await refresh().catch((err: unknown) => log.error({ err }, 'could not read the store for runs of other processes; health shows the daemon\'s own runs'));
      return health();
    };
    endpoint = await startHttpEndpoint({ host: daemon.http.host, port: daemon.http.port, health: freshHealth, metrics: () => metrics.render(), log });
  }
  try {
    await scheduler.start();
  } catch (e) {
    // The store failed while reading the last runs: do not leave the endpoint holding the process open.
    await scheduler.stop();
    await endpoint?.close();
    throw e;
  }
  return {
    url: endpoint?.url ?? null,
    metrics,
    health,
    refresh,
    async stop() {
      await scheduler.stop();
      await endpoint?.close();
    },
  };
}

/**
 * The org's state as the store remembers it, so `/healthz` is right from the first second after a
 * restart. Each connector's last good run comes from the stored stream outcomes, judged by the same
 * rules as a live run (`applyRun`): an org whose runs are normally `partial` has no `complete` run,
 * yet its connectors did succeed.
 */
async function seedState(store: EvidenceStore, org: string, schedule: OrgState['schedule'], instances: readonly string[]): Promise<OrgState> {
  const runs = (await store.listRuns({ org, limit: SEED_RUNS })).filter((r) => r.status !== 'running');
  const blank: OrgState = { org, schedule, lastRun: null, lastSuccessfulRun: null, connectors: instances.map((instance) => ({ instance, lastSuccessfulRun: null, lastStatus: 'unknown' })) };
  // Newest first, read until every connector has a run it succeeded in (usually the newest one).
  const read: Array<{ run: RunRecord; outcomes: StreamOutcome[] }> = [];
  const found = new Set<string>();
  for (const run of runs.slice(0, SEED_OUTCOME_RUNS)) {
    // An interrupted run says nothing about a connector (applyRun keeps the state): nothing to read.
    const outcomes = run.status === 'interrupted' ? [] : (await store.loadSnapshot(run.id)).outcomes;
    read.push({ run, outcomes });
    for (const c of applyRun(blank, run, outcomes).connectors) if (c.lastSuccessfulRun !== null) found.add(c.instance);
    if (found.size === instances.length) break;
  }
  const folded = read.reverse().reduce((state, r) => applyRun(state, r.run, r.outcomes), blank);
  const lastRun = runs[0] ?? null;
  const lastSuccess = runs.find((r) => isSuccessfulRun(r.status)) ?? null;
  return { ...folded, lastRun: lastRun ? runRef(lastRun) : null, lastSuccessfulRun: lastSuccess ? runRef(lastSuccess) : null };
}

/** The start of the org's newest run that served its slot: interrupted runs never count as evidence, so their slot is owed. */
async function lastCountingRunStart(store: EvidenceStore, org: string): Promise<Date | null> {
  const runs: RunRecord[] = await store.listRuns({ org, limit: SEED_RUNS });
  const last = runs.find((r) => r.status !== 'interrupted' && r.status !== 'running');
  return last ? new Date(last.startedAt) : null;
}
