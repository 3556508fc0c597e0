import type { AlertsConfig } from './alert-config.ts';
import { findingMessage } from './alert-message.ts';
import type { FindingChanges, StoredFinding } from './alert-store.ts';
import type { EventType, Observation } from './finding.ts';
import { routeMessage } from './routing.ts';

/**
 * What one observation changes, decided from the stored findings alone (pure):
 * - a finding observed for the first time, or again after it was resolved, opens and alerts;
 * - an open finding observed again is updated (detail, last seen) and reminded when its last alert
 *   is `reminders.every` old (unless its type is in `reminders.skip`);
 * - an open finding not observed is resolved, with a notice, only where the observation covered its
 *   type and scope and did not see it as not evaluable; otherwise it stays open untouched;
 * - a finding last changed by a newer run than the observation's is left alone (a late or repeated
 *   hook for an older run must not reopen or resolve what a newer run decided).
 */
export function planTransitions(existing: readonly StoredFinding[], obs: Observation, config: AlertsConfig, now: Date): FindingChanges {
  const at = now.toISOString();
  const byId = new Map(existing.map((f) => [f.id, f]));
  const changes: FindingChanges = { findings: [], outbox: [], events: [] };
  const emit = (kind: 'alert' | 'reminder' | 'resolved', f: StoredFinding) => {
    changes.events.push({ kind, findingId: f.id });
    changes.outbox.push(...routeMessage(config, findingMessage(kind, f, at, obs.runId), now));
  };

  const observed = new Set<string>();
  for (const o of obs.findings) {
    if (observed.has(o.id)) continue;
    observed.add(o.id);
    const prev = byId.get(o.id);
    if (prev && isNewer(prev, obs)) continue;
    const severity = config.severity[o.type] ?? o.severity;
    const base = { id: o.id, org: o.org, type: o.type, rule: o.rule, subject: o.subject, label: o.label, scope: o.scope, severity, detail: o.detail, lastSeenAt: at, lastRunId: obs.runId ?? prev?.lastRunId ?? null };
    if (!prev || prev.state === 'resolved') {
      const f: StoredFinding = { ...base, state: 'open', firstSeenAt: at, lastAlertedAt: at, resolvedAt: null };
      changes.findings.push(f);
      emit('alert', f);
      continue;
    }
    const due = !config.reminders.skip.includes(o.type) && prev.lastAlertedAt !== null && Date.parse(prev.lastAlertedAt) + config.reminders.every <= now.getTime();
    const f: StoredFinding = { ...base, state: 'open', firstSeenAt: prev.firstSeenAt, lastAlertedAt: due ? at : prev.lastAlertedAt, resolvedAt: null };
    changes.findings.push(f);
    if (due) emit('reminder', f);
  }

  const covered = new Map<EventType, Set<string>>();
  for (const c of obs.coverage) covered.set(c.type, new Set([...(covered.get(c.type) ?? []), ...c.scopes]));
  const unknown = new Set(obs.unknown);
  for (const prev of existing) {
    if (prev.state !== 'open' || observed.has(prev.id) || unknown.has(prev.id) || isNewer(prev, obs)) continue;
    if (!covered.get(prev.type)?.has(prev.scope)) continue;
    const f: StoredFinding = { ...prev, state: 'resolved', resolvedAt: at, lastRunId: obs.runId ?? prev.lastRunId };
    changes.findings.push(f);
    emit('resolved', f);
  }
  return changes;
}

function isNewer(f: StoredFinding, obs: Observation): boolean {
  return obs.runId !== null && f.lastRunId !== null && f.lastRunId > obs.runId;
}
