import type { App } from '../../run/app.ts';
import { createSystemClock } from '../../daemon/daemon-clock.ts';
import { startAlertingDaemon } from '../../daemon/alerting-daemon.ts';
import { checkDaemonSchedules, scheduleFor } from '../../daemon/daemon-config.ts';
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
  const { daemon, alerts, tick: pass, stop } = await startAlertingDaemon(app, { clock: createSystemClock(), random: Math.random });
  const tick = alerts ? setInterval(() => void pass(), opts.alertTickMs ?? ALERT_TICK_MS) : null;
  const schedules = orgIds.map((id) => `${id} "${scheduleFor(app.config.daemon, id)}"`).join(', ');
  opts.err.write(`evidentia daemon: scheduled ${schedules} (${app.config.daemon.timezone}); ${daemon.url ? `health and metrics at ${daemon.url}/healthz and ${daemon.url}/metrics` : 'no health endpoint (daemon.http.enabled: false)'}\n`);
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (tick) clearInterval(tick);
  await stop();
  opts.err.write('evidentia daemon: stopped; the run in flight (if any) is stored and marked interrupted\n');
  return EXIT.interrupted;
}
