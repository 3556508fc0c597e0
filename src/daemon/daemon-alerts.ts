import type { Logger } from 'pino';
import type { ConnectorHealth, Alerting } from '../alert/index.ts';
import type { AgentConfig } from '../core/config.ts';
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
  /** The daemon's `onRunFinished` hook: findings from the run, overdue connectors, then delivery. */
  afterRun(result: OrgRunResult): Promise<void>;
  /** Called on a timer: overdue connectors, plus what the outbox has due (retries, digests, the end of quiet hours). */
  tick(): Promise<void>;
}

/**
 * Glue between the daemon and alerting. Deliveries are counted in the daemon's
 * `evidentia_alert_deliveries_total`. Errors are the caller's to log: alerting never stops the daemon.
 */
export function createDaemonAlerts(deps: {
  alerting: Alerting;
  config: AgentConfig;
  health: () => HealthReport;
  metrics: Pick<DaemonMetrics, 'recordAlertDelivery'>;
  log: Logger;
}): DaemonAlerts {
  const { alerting } = deps;
  // One pass at a time: a slow SMTP server must not let timer ticks pile up and send twice.
  let busy: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void>): Promise<void> => {
    busy = busy.then(work, work);
    return busy;
  };

  const reportHealth = async (): Promise<void> => {
    for (const [org, health] of connectorHealthFor(deps.config, deps.health())) {
      await alerting.reportConnectorHealth(org, health);
    }
  };
  const deliver = async (): Promise<void> => {
    const report = await alerting.deliverDue();
    for (const o of report.outcomes) {
      deps.metrics.recordAlertDelivery(o.channel, o.ok ? 'sent' : o.gaveUp ? 'gave_up' : 'failed');
    }
    if (report.delivered + report.failed + report.gaveUp > 0) {
      deps.log.info({ delivered: report.delivered, failed: report.failed, gaveUp: report.gaveUp, postponed: report.postponed }, 'alert deliveries');
    }
  };

  return {
    afterRun: (result) =>
      serial(async () => {
        await alerting.afterRun(result.run, result.evaluation);
        await reportHealth();
        await deliver();
      }),
    tick: () =>
      serial(async () => {
        await reportHealth();
        await deliver();
      }),
  };
}
