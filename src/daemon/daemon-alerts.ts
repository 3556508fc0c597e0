import type { Logger } from 'pino';
import type { ConnectorHealth, Alerting } from '../alert/index.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { OrgRunResult } from '../run/pipeline.ts';
import type { DaemonMetrics } from './daemon-metrics.ts';
import type { HealthReport } from './health.ts';

/**
 * What `/healthz` knows about each connector, in the shape the alerts' `connector_overdue` event
 * reads. A connector counts as overdue exactly when `/healthz` calls it stale, so the alert and the
 * health endpoint never disagree.
 */
export function connectorHealthFor(config: AgentConfig, report: HealthReport): Map<string, ConnectorHealth[]> {
  const out = new Map<string, ConnectorHealth[]>();
  for (const org of report.organisations) {
    const types = new Map((config.organisations.find((o) => o.id === org.org)?.connectors ?? []).map((c) => [c.id, c.type]));
    out.set(
      org.org,
      org.connectors.map((c) => ({
        org: org.org,
        instance: c.instance,
        connector: types.get(c.instance) ?? c.instance,
        overdue: c.stale,
        lastSuccessAt: c.lastSuccessfulRun?.finishedAt ?? c.lastSuccessfulRun?.startedAt ?? null,
        dueAt: c.staleAfter ?? report.checkedAt,
      })),
    );
  }
  return out;
}

export interface DaemonAlerts {
  /**
   * The daemon's `onRunFinished` hook: records the run's findings and resolves; overdue connectors
   * and delivery are queued behind any pass in flight, so a slow receiver never holds the run (and
   * its org's next slot) open. Errors of the queued pass are logged here.
   */
  afterRun(result: OrgRunResult): Promise<void>;
  /** Called on a timer: overdue connectors, plus what the outbox has due (retries, digests, the end of quiet hours). */
  tick(): Promise<void>;
  /**
   * Resolves once no pass is in flight or queued. Await it after the daemon stopped and before
   * closing alerting: a message being sent must get its success recorded, or it is sent again
   * after its lease.
   */
  idle(): Promise<void>;
  /**
   * On SIGTERM: no new message is sent from now on (what is left stays due for the next start).
   * A send in flight may finish and is recorded, for at most `alerts.stopTimeout`: then it is cut,
   * recorded as an interrupted attempt and left due, so shutdown stays well inside systemd's stop
   * timeout. The next start sends it again under the same delivery id.
   */
  stopSending(): void;
}

/** `alerts.stopTimeout`'s default, for a config built without the schema's defaults. */
const DEFAULT_STOP_TIMEOUT_MS = 20_000;

/**
 * Glue between the daemon and alerting. Deliveries are counted in the daemon's
 * `evidentia_alert_deliveries_total`. Errors are the caller's to log: alerting never stops the daemon.
 */
export function createDaemonAlerts(deps: {
  alerting: Alerting;
  config: AgentConfig;
  /** Null until the daemon is up (a catch-up run can finish first): overdue connectors are then left to the next pass. */
  health: () => HealthReport | null;
  metrics: Pick<DaemonMetrics, 'recordAlertDelivery'>;
  log: Logger;
}): DaemonAlerts {
  const { alerting } = deps;
  const stopping = new AbortController();
  const interrupting = new AbortController();
  let interruptTimer: NodeJS.Timeout | null = null;
  // One pass at a time: a slow SMTP server must not let timer ticks pile up and send twice.
  let busy: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void>): Promise<void> => {
    busy = busy.then(work, work);
    return busy;
  };

  const reportHealth = async (): Promise<void> => {
    const report = deps.health();
    if (report === null) return;
    for (const [org, health] of connectorHealthFor(deps.config, report)) {
      await alerting.reportConnectorHealth(org, health);
    }
  };
  const deliver = async (): Promise<void> => {
    const report = await alerting.deliverDue({ signal: stopping.signal, interrupt: interrupting.signal });
    for (const o of report.outcomes) {
      deps.metrics.recordAlertDelivery(o.channel, o.ok ? 'sent' : o.interrupted ? 'interrupted' : o.gaveUp ? 'gave_up' : 'failed');
    }
    if (report.delivered + report.failed + report.gaveUp > 0) {
      deps.log.info({ delivered: report.delivered, failed: report.failed, gaveUp: report.gaveUp, interrupted: report.interrupted, postponed: report.postponed }, 'alert deliveries');
    }
  };

  const pass = async (): Promise<void> => {
    await reportHealth();
    await deliver();
  };

  return {
    async afterRun(result) {
      // Findings are one transaction each, so they need not wait for a delivery pass in flight.
      await alerting.afterRun(result.run, result.evaluation);
      serial(pass).catch((err: unknown) => deps.log.error({ err }, 'alerting failed; findings stay in the outbox for the next pass'));
    },
    tick: () => serial(pass),
    stopSending() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      interruptTimer = setTimeout(() => interrupting.abort(), deps.config.alerts?.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS);
      // The bound must never be what keeps the process alive once everything else is done.
      interruptTimer.unref();
    },
    async idle() {
      // A pass queued while waiting (a run's hook during shutdown) is waited for too.
      let seen: Promise<void>;
      do {
        seen = busy;
        await seen.catch(() => {});
      } while (seen !== busy);
      if (interruptTimer !== null && stopping.signal.aborted) clearTimeout(interruptTimer);
    },
  };
}
