import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config.ts';
import { AgentError, UsageError } from '../core/errors.ts';
import { outcomeUsableFor } from '../core/stream-outcome.ts';
import type { SecretRegistry } from '../core/secrets.ts';
import { buildSnapshotView } from '../evaluate/build-view.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import type { EvaluationRecord, EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import type { AlertsConfig } from './alert-config.ts';
import { testMessage } from './alert-message.ts';
import type { AlertStore, FindingChanges } from './alert-store.ts';
import type { Channel } from './channels/channel.ts';
import { createChannels } from './channels/create-channels.ts';
import type { FetchLike } from './channels/post-json.ts';
import { connectorFailureFindings, connectorOverdueObservation } from './connector-findings.ts';
import type { ConnectorHealth } from './connector-findings.ts';
import { deliverDue } from './deliver-due.ts';
import type { DeliveryReport } from './deliver-due.ts';
import { mergeObservations } from './finding.ts';
import type { Observation } from './finding.ts';
import { planTransitions } from './plan-transitions.ts';
import { privilegedFindings } from './privileged-findings.ts';
import { ruleFindings } from './rule-findings.ts';

export interface AlertingOptions {
  /** The evidence store: runs are read from it (this run's snapshot, earlier runs for the privileged diff). */
  store: EvidenceStore;
  /** Where findings and the outbox live; `close()` closes it. */
  alertStore: AlertStore;
  /** The whole config; `config.alerts` must be set. */
  config: AgentConfig;
  /** Resolves channel secrets and scrubs them from every error stored or logged. */
  secrets: SecretRegistry;
  log: Logger;
  now: () => Date;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

export interface AfterRunReport {
  org: string;
  runId: number | null;
  /** Set when nothing was judged (an interrupted run): open findings are kept. */
  skipped: string | null;
  opened: number;
  reminded: number;
  resolved: number;
  /** Outbox rows written (one per message and channel). */
  enqueued: number;
  /** What could not be judged (a rule not evaluable, no baseline for new privileged assignments). */
  notes: string[];
}

export interface ChannelTestResult {
  channel: string;
  type: Channel['type'];
  ok: boolean;
  error: string | null;
}

export interface Alerting {
  /** Turns a finished run's evaluation into findings, state changes and outbox messages (one transaction). */
  afterRun(run: RunRecord, evaluation: EvaluationRecord | null): Promise<AfterRunReport>;
  /** For the daemon: raises or resolves `connector_overdue` findings of one organisation. */
  reportConnectorHealth(org: string, health: readonly ConnectorHealth[]): Promise<AfterRunReport>;
  /**
   * Sends what is due from the outbox (call after `afterRun`, and periodically for retries, digests
   * and quiet hours). Once `signal` aborts, nothing more is sent and the rest stays due; once
   * `interrupt` aborts, the send in flight is cut too and recorded as interrupted (it stays due).
   */
  deliverDue(opts?: { signal?: AbortSignal; interrupt?: AbortSignal }): Promise<DeliveryReport>;
  /** Sends a sample message to every channel (or one), directly, not through the outbox. */
  sendTest(channel?: string): Promise<ChannelTestResult[]>;
  close(): Promise<void>;
}

/** Earlier sealed runs searched for a complete read of an instance's role assignments (the privileged baseline). */
const BASELINE_RUNS = 5;

/** Builds the alerting entry point; resolves every channel secret first (a missing one throws `secret_missing`). */
export async function createAlerting(opts: AlertingOptions): Promise<Alerting> {
  const alerts = opts.config.alerts;
  if (!alerts) throw new AgentError('config_invalid', 'alerts: no alerts are configured; add an `alerts:` section (see the README, "Alerts")');
  const channels = await createChannels(alerts, { secrets: opts.secrets, now: opts.now, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const scrub = (t: string) => opts.secrets.scrub(t);

  const apply = async (org: string, runId: number | null, obs: Observation): Promise<AfterRunReport> => {
    const now = opts.now();
    const changes = await opts.alertStore.transition(org, (existing) => planTransitions(existing, obs, alerts, now));
    const report = summarise(org, runId, changes, obs.notes);
    opts.log.info({ org, run: runId, opened: report.opened, reminded: report.reminded, resolved: report.resolved, enqueued: report.enqueued }, 'alert findings updated');
    for (const note of obs.notes) opts.log.info({ org, run: runId, note }, 'alert findings not judged');
    return report;
  };

  return {
    async afterRun(run, evaluation) {
      if (evaluation === null || run.manifestHash === null) {
        const skipped = `run ${run.id} was ${run.status} and not evaluated: nothing is judged and open findings are kept`;
        return { org: run.org, runId: run.id, skipped, opened: 0, reminded: 0, resolved: 0, enqueued: 0, notes: [] };
      }
      const org = opts.config.organisations.find((o) => o.id === run.org);
      const snapshot = await opts.store.loadSnapshot(run.id);
      const view = buildSnapshotView(snapshot, org ? { accounts: org.accounts, identity: org.identity } : {});
      const open = await opts.alertStore.listFindings({ org: run.org, state: 'open' });
      const openPrivileged = new Set(open.filter((f) => f.type === 'new_privileged_assignment').map((f) => f.id));
      const baselines = await loadBaselines(opts.store, view);
      const obs = mergeObservations(run.org, run.id, [
        ruleFindings(run.org, run.id, evaluation.results),
        connectorFailureFindings(run.org, run.id, snapshot.outcomes),
        privilegedFindings(view, baselines, openPrivileged),
      ]);
      return apply(run.org, run.id, obs);
    },
    reportConnectorHealth: (org, health) => apply(org, null, connectorOverdueObservation(org, health)),
    deliverDue: (o = {}) => deliverDue({ store: opts.alertStore, channels, config: alerts, log: opts.log, now: opts.now, scrub, ...(o.signal ? { signal: o.signal } : {}), ...(o.interrupt ? { interrupt: o.interrupt } : {}) }),
    async sendTest(only) {
      if (only !== undefined && !channels.has(only)) throw new UsageError(`--channel ${only}: no such channel in alerts.channels; known: ${[...channels.keys()].join(', ')}`);
      const results: ChannelTestResult[] = [];
      for (const c of channels.values()) {
        if (only !== undefined && c.name !== only) continue;
        try {
          await c.send(testMessage(c.name, opts.now().toISOString()), `test-${opts.now().getTime()}-${c.name}`);
          results.push({ channel: c.name, type: c.type, ok: true, error: null });
        } catch (e) {
          results.push({ channel: c.name, type: c.type, ok: false, error: scrub(e instanceof Error ? e.message : String(e)) });
        }
      }
      return results;
    },
    async close() {
      for (const c of channels.values()) await c.close();
      await opts.alertStore.close();
    },
  };
}

/**
 * Earlier sealed runs of the org, newest first, loaded one at a time until every instance that
 * collects role assignments now has one with a complete read (at most BASELINE_RUNS).
 */
async function loadBaselines(store: EvidenceStore, current: SnapshotView): Promise<SnapshotView[]> {
  const wanted = new Set(current.outcomes.filter((o) => o.entity === 'role_assignment').map((o) => o.instance));
  if (wanted.size === 0) return [];
  const earlier = (await store.listRuns({ org: current.org, limit: 50 })).filter((r) => r.id < current.runId && r.manifestHash !== null).slice(0, BASELINE_RUNS);
  const views: SnapshotView[] = [];
  for (const r of earlier) {
    const v = buildSnapshotView(await store.loadSnapshot(r.id));
    views.push(v);
    for (const instance of [...wanted]) {
      const streams = v.outcomes.filter((o) => o.entity === 'role_assignment' && o.instance === instance);
      if (streams.length > 0 && streams.every((o) => outcomeUsableFor(o, []).usable)) wanted.delete(instance);
    }
    if (wanted.size === 0) break;
  }
  return views;
}

function summarise(org: string, runId: number | null, changes: FindingChanges, notes: string[]): AfterRunReport {
  const count = (kind: string) => changes.events.filter((e) => e.kind === kind).length;
  return { org, runId, skipped: null, opened: count('alert'), reminded: count('reminder'), resolved: count('resolved'), enqueued: changes.outbox.length, notes };
}
