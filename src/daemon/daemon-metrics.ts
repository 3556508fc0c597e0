import { Counter, Gauge, Registry } from 'prom-client';
import { RESULT_STATUSES } from '../core/rule.ts';
import type { HttpStatsSnapshot } from '../http/http-stats.ts';
import type { OrgRunResult } from '../run/pipeline.ts';

/** What one connector instance's HTTP context counted during a run. */
export interface ConnectorApiStats {
  instance: string;
  stats: HttpStatsSnapshot;
}

export interface DaemonMetrics {
  /** The daemon's own registry (never prom-client's global default one). */
  registry: Registry;
  recordRun(result: OrgRunResult, api: readonly ConnectorApiStats[]): void;
  /** For the alerts code: one delivery attempt to a channel (`slack`, `teams`, `webhook`, `email`) and how it went. */
  recordAlertDelivery(channel: string, outcome: 'sent' | 'failed' | 'retrying' | string): void;
  /** A slot that came while the org's previous run was still going. */
  recordSkippedSlot(org: string): void;
  /** A slot skipped because another process held the org's run lock (it was collecting the org). */
  recordLockedSlot(org: string): void;
  /** Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Labels are ids and statuses only (org, connector instance, API family, rule id): counts, never
 * tenant data. One registry per daemon, so two daemons in one process (tests) never share counts.
 */
export function createDaemonMetrics(): DaemonMetrics {
  const registry = new Registry();
  const registers = [registry];
  const runs = new Counter({ name: 'evidentia_runs_total', help: 'Runs finished, by organisation and status.', labelNames: ['org', 'status'], registers });
  const streams = new Counter({ name: 'evidentia_stream_outcomes_total', help: 'Stream outcomes recorded, by organisation, connector instance and status.', labelNames: ['org', 'connector', 'status'], registers });
  const calls = new Counter({ name: 'evidentia_api_calls_total', help: 'HTTP requests sent to vendor APIs (retries included), by connector instance and API family.', labelNames: ['org', 'connector', 'family'], registers });
  const throttled = new Counter({ name: 'evidentia_api_throttled_total', help: 'Responses that meant slow down (429, quota 403), by connector instance and API family.', labelNames: ['org', 'connector', 'family'], registers });
  const results = new Counter({ name: 'evidentia_rule_results_total', help: 'Rule results evaluated, by organisation, rule and status.', labelNames: ['org', 'rule', 'status'], registers });
  const latest = new Gauge({ name: 'evidentia_rule_status', help: '1 for the status of each rule in the newest evaluated run, 0 for the other statuses.', labelNames: ['org', 'rule', 'status'], registers });
  const lastSuccess = new Gauge({ name: 'evidentia_last_successful_run_timestamp_seconds', help: 'Start of the newest complete or partial run, by organisation.', labelNames: ['org'], registers });
  const skipped = new Counter({ name: 'evidentia_slots_skipped_total', help: 'Schedule slots skipped because the previous run of the organisation was still going.', labelNames: ['org'], registers });
  const locked = new Counter({ name: 'evidentia_slots_locked_total', help: 'Schedule slots skipped because another process was collecting the organisation (it held the run lock).', labelNames: ['org'], registers });
  const alerts = new Counter({ name: 'evidentia_alert_deliveries_total', help: 'Alert deliveries, by channel and outcome.', labelNames: ['channel', 'outcome'], registers });

  return {
    registry,
    recordRun({ run, evaluation, outcomes }, api) {
      runs.inc({ org: run.org, status: run.status });
      for (const o of outcomes) streams.inc({ org: run.org, connector: o.instance, status: o.status });
      for (const { instance, stats } of api) {
        for (const [family, s] of Object.entries(stats)) {
          calls.inc({ org: run.org, connector: instance, family }, s.requests);
          throttled.inc({ org: run.org, connector: instance, family }, s.throttled);
        }
      }
      if (run.status === 'complete' || run.status === 'partial') lastSuccess.set({ org: run.org }, Date.parse(run.startedAt) / 1000);
      for (const r of evaluation?.results ?? []) {
        results.inc({ org: run.org, rule: r.ruleId, status: r.status });
        for (const s of RESULT_STATUSES) latest.set({ org: run.org, rule: r.ruleId, status: s }, s === r.status ? 1 : 0);
      }
    },
    recordSkippedSlot(org) {
      skipped.inc({ org });
    },
    recordLockedSlot(org) {
      locked.inc({ org });
    },
    recordAlertDelivery(channel, outcome) {
      alerts.inc({ channel, outcome });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
