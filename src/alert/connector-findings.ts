import type { StreamOutcome } from '../core/stream-outcome.ts';
import { DEFAULT_SEVERITY, emptyObservation, findingId } from './finding.ts';
import type { Observation } from './finding.ts';

/**
 * A connector instance with at least one `failed` stream in this run is failing. Every instance
 * that recorded outcomes is covered: one whose streams all worked resolves its open finding. An
 * instance absent from the run (removed from the config, or the run stopped early) is not.
 */
export function connectorFailureFindings(org: string, runId: number, outcomes: readonly StreamOutcome[]): Observation {
  const out = emptyObservation(org, runId);
  const byInstance = new Map<string, StreamOutcome[]>();
  for (const o of outcomes) byInstance.set(o.instance, [...(byInstance.get(o.instance) ?? []), o]);
  for (const [instance, list] of byInstance) {
    const failed = list.filter((o) => o.status === 'failed');
    if (failed.length === 0) continue;
    const connector = list[0]!.connector;
    const detail = failed
      .map((o) => `${o.stream}: ${o.failures.map((f) => `${f.kind}: ${f.detail}${f.needs ? ` (needs ${f.needs})` : ''}`).join('; ') || 'no reason recorded'}`)
      .join('; ');
    out.findings.push({
      id: findingId(org, 'connector_failed', null, instance),
      org,
      type: 'connector_failed',
      rule: null,
      subject: instance,
      label: `${instance} (${connector})`,
      scope: instance,
      severity: DEFAULT_SEVERITY.connector_failed,
      detail: `${failed.length} of ${list.length} streams failed in run ${runId}: ${detail}`,
    });
  }
  out.coverage.push({ type: 'connector_failed', scopes: [...byInstance.keys()] });
  return out;
}

/** What the daemon knows about one connector's schedule, for `connectorOverdueObservation`. */
export interface ConnectorHealth {
  org: string;
  instance: string;
  connector: string;
  /** The connector has had no successful run for longer than its schedule allows. */
  overdue: boolean;
  /** Last successful run's finish time, or null when it never succeeded. */
  lastSuccessAt: string | null;
  /** When the next successful run was due (for the message). */
  dueAt: string;
}

/**
 * The daemon raises `connector_overdue` through this (via `Alerting.reportConnectorHealth`): each
 * overdue connector is a finding; every reported connector is covered, so a reported connector that
 * is no longer overdue resolves.
 */
export function connectorOverdueObservation(org: string, health: readonly ConnectorHealth[]): Observation {
  const out = emptyObservation(org, null);
  const mine = health.filter((h) => h.org === org);
  for (const h of mine) {
    if (!h.overdue) continue;
    out.findings.push({
      id: findingId(org, 'connector_overdue', null, h.instance),
      org,
      type: 'connector_overdue',
      rule: null,
      subject: h.instance,
      label: `${h.instance} (${h.connector})`,
      scope: h.instance,
      severity: DEFAULT_SEVERITY.connector_overdue,
      detail: `no successful run since ${h.lastSuccessAt ?? 'it was configured'}; one was due by ${h.dueAt}`,
    });
  }
  out.coverage.push({ type: 'connector_overdue', scopes: mine.map((h) => h.instance) });
  return out;
}
