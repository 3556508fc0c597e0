import { openAlerting } from '../alert/index.ts';
import type { App } from '../run/app.ts';
import type { OrgRunResult } from '../run/pipeline.ts';
import { createDaemonAlerts, type DaemonAlerts } from './daemon-alerts.ts';
import type { DaemonClock } from './daemon-clock.ts';
import { alertRetentionDays } from './daemon-config.ts';
import { createDaemonMetrics } from './daemon-metrics.ts';
import { pruneAlertHistory } from './retention-step.ts';
import { startDaemon, type RunningDaemon } from './daemon-service.ts';

export interface AlertingDaemon {
  daemon: RunningDaemon;
  /** Null when the config has no `alerts:`. */
  alerts: DaemonAlerts | null;
  /**
   * The between-runs pass (once a minute in `evidentia daemon`): takes in runs other processes
   * stored, then works the outbox and reports overdue connectors. Errors are logged.
   */
  tick(): Promise<void>;
  /**
   * Stops in the order that loses nothing: no new message is sent, the run in flight is stored and
   * marked interrupted, the send in flight gets its outcome recorded, then alerting closes. The
   * store stays open (the caller owns the app).
   */
  stop(): Promise<void>;
}

/**
 * The daemon with alerts wired in, as `evidentia daemon` runs it. The clock is injected so the
 * acceptance test can drive days of schedules, quiet hours and reminders with the same wiring.
 */
export async function startAlertingDaemon(app: App, opts: { clock: DaemonClock; random: () => number; onRunFinished?: (result: OrgRunResult) => void }): Promise<AlertingDaemon> {
  const metrics = createDaemonMetrics();
  const alerting = await openAlerting({ config: app.config, store: app.store, secrets: app.secrets, log: app.log, now: () => opts.clock.now() });
  let daemon: RunningDaemon | null = null;
  // Made before the daemon starts: a catch-up run that finishes at once is alerted too.
  const alerts = alerting ? createDaemonAlerts({ alerting, config: app.config, health: () => daemon?.health() ?? null, metrics, log: app.log }) : null;
  const logAlertError = (e: unknown) => app.log.error({ err: e }, 'alerting failed; findings stay in the outbox for the next pass');
  const onRunFinished = async (result: OrgRunResult): Promise<void> => {
    if (alerts) await alerts.afterRun(result).catch(logAlertError);
    opts.onRunFinished?.(result);
  };
  try {
    // Settled alert history goes after each run, like raw pages (retention.alertDeliveriesDays).
    const pruneAlerts = (now: Date) => pruneAlertHistory(app.config.store.path, { days: alertRetentionDays(app.config.retention), now, log: app.log });
    daemon = await startDaemon({ app, clock: opts.clock, random: opts.random, metrics, onRunFinished, pruneAlertHistory: pruneAlerts });
  } catch (e) {
    await alerts?.idle();
    await alerting?.close();
    throw e;
  }
  const running = daemon;
  return {
    daemon: running,
    alerts,
    async tick() {
      // An org collected by another process is not overdue: read its runs before judging.
      await running.refresh().catch((e: unknown) => app.log.error({ err: e }, 'could not read the store for runs of other processes'));
      await alerts?.tick().catch(logAlertError);
    },
    async stop() {
      alerts?.stopSending();
      await running.stop();
      // A message being sent gets its outcome recorded before the store closes; else it is sent again after its lease.
      await alerts?.idle();
      await alerting?.close();
    },
  };
}
