import type { App } from '../../run/app.ts';
import type { OrgRunResult } from '../../run/pipeline.ts';
import { createSystemClock } from '../../daemon/daemon-clock.ts';
import { alertRetentionDays, checkDaemonSchedules, scheduleFor } from '../../daemon/daemon-config.ts';
import { pruneAlertHistory } from '../../daemon/retention-step.ts';
import { startDaemon, type RunningDaemon } from '../../daemon/daemon-service.ts';
import { createDaemonMetrics } from '../../daemon/daemon-metrics.ts';
import { createDaemonAlerts } from '../../daemon/daemon-alerts.ts';
import { openAlerting } from '../../alert/index.ts';
import { preflight } from '../preflight.ts';
import { EXIT } from '../exit-codes.ts';

export interface DaemonCommandOptions {
  signal: AbortSignal;
  err: NodeJS.WritableStream;
  /** How often the alert outbox is worked between runs (retries, digests, the end of quiet hours). @default 60_000 */
  alertTickMs?: number;
}

/** Pending alerts and overdue connectors are looked at once a minute between runs. */
const ALERT_TICK_MS = 60_000;

/**
 * Runs until SIGTERM/SIGINT: collects every organisation on its schedule, serves /healthz and
 * /metrics. On a signal the run in flight is aborted (what was read stays stored, the run is
 * marked interrupted), the endpoint closes, and the command exits 130 like every interrupted command.
 */
export async function daemonCommand(app: App, opts: DaemonCommandOptions): Promise<number> {
  const orgIds = app.config.organisations.map((o) => o.id);
  checkDaemonSchedules(app.config.daemon, orgIds);
  // Every secret and connector block is checked now, not at the first slot hours later.
  await preflight(app, orgIds.map((_, i) => i));
  if (opts.signal.aborted) return EXIT.interrupted;
  const metrics = createDaemonMetrics();
  const alerting = await openAlerting({ config: app.config, store: app.store, secrets: app.secrets, log: app.log, now: () => new Date() });
  let daemon: RunningDaemon | null = null;
  // Made before the daemon starts: a catch-up run that finishes at once is alerted too.
  const alerts = alerting ? createDaemonAlerts({ alerting, config: app.config, health: () => daemon?.health() ?? null, metrics, log: app.log }) : null;
  const logAlertError = (e: unknown) => app.log.error({ err: e }, 'alerting failed; findings stay in the outbox for the next pass');
  const onRunFinished = alerts ? (result: OrgRunResult) => alerts.afterRun(result).catch(logAlertError) : undefined;
  try {
    const pruneAlerts = (now: Date) => pruneAlertHistory(app.config.store.path, { days: alertRetentionDays(app.config.retention), now, log: app.log });
    daemon = await startDaemon({ app, clock: createSystemClock(), random: Math.random, metrics, pruneAlertHistory: pruneAlerts, ...(onRunFinished ? { onRunFinished } : {}) });
  } catch (e) {
    await alerts?.idle();
    await alerting?.close();
    throw e;
  }
  const tick = alerts ? setInterval(() => void alerts.tick().catch(logAlertError), opts.alertTickMs ?? ALERT_TICK_MS) : null;
  const schedules = orgIds.map((id) => `${id} "${scheduleFor(app.config.daemon, id)}"`).join(', ');
  opts.err.write(`evidentia daemon: scheduled ${schedules} (${app.config.daemon.timezone}); ${daemon.url ? `health and metrics at ${daemon.url}/healthz and ${daemon.url}/metrics` : 'no health endpoint (daemon.http.enabled: false)'}\n`);
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (tick) clearInterval(tick);
  alerts?.stopSending();
  await daemon.stop();
  // A message being sent gets its outcome recorded before the store closes; else it is sent again after its lease.
  await alerts?.idle();
  await alerting?.close();
  opts.err.write('evidentia daemon: stopped; the run in flight (if any) is stored and marked interrupted\n');
  return EXIT.interrupted;
}
