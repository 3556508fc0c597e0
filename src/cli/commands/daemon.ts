import type { App } from '../../run/app.ts';
import type { OrgRunResult } from '../../run/pipeline.ts';
import { createSystemClock } from '../../daemon/daemon-clock.ts';
import { checkDaemonSchedules, scheduleFor } from '../../daemon/daemon-config.ts';
import { startDaemon } from '../../daemon/daemon-service.ts';
import { createDaemonMetrics, type DaemonMetrics } from '../../daemon/daemon-metrics.ts';
import { preflight } from '../preflight.ts';
import { EXIT } from '../exit-codes.ts';

export interface DaemonCommandOptions {
  signal: AbortSignal;
  err: NodeJS.WritableStream;
  /**
   * Wired by the alerts code: builds the hook called after every run, given the daemon's metrics so
   * deliveries are counted in `evidentia_alert_deliveries_total`.
   */
  onRunFinished?: (deps: { recordAlertDelivery: DaemonMetrics['recordAlertDelivery'] }) => (result: OrgRunResult) => Promise<void> | void;
}

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
  const onRunFinished = opts.onRunFinished?.({ recordAlertDelivery: (channel, outcome) => metrics.recordAlertDelivery(channel, outcome) });
  const daemon = await startDaemon({ app, clock: createSystemClock(), random: Math.random, metrics, ...(onRunFinished ? { onRunFinished } : {}) });
  const schedules = orgIds.map((id) => `${id} "${scheduleFor(app.config.daemon, id)}"`).join(', ');
  opts.err.write(`evidentia daemon: scheduled ${schedules} (${app.config.daemon.timezone}); ${daemon.url ? `health and metrics at ${daemon.url}/healthz and ${daemon.url}/metrics` : 'no health endpoint (daemon.http.enabled: false)'}\n`);
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await daemon.stop();
  opts.err.write('evidentia daemon: stopped; the run in flight (if any) is stored and marked interrupted\n');
  return EXIT.interrupted;
}
