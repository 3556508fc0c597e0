import type { RoleAssignment } from '../core/model.ts';
import { outcomeUsableFor } from '../core/stream-outcome.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { DEFAULT_SEVERITY, emptyObservation, findingId } from './finding.ts';
import type { Observation } from './finding.ts';

const TYPE = 'new_privileged_assignment';

/**
 * New privileged role assignments: privileged per the connector's judgement (`privileged: true`,
 * the same field admin-mfa reads), present in `current` and absent from the newest baseline run
 * whose role assignments of that instance could be read completely. Pure: the caller loads the views.
 *
 * - An assignment is (principal, role, scope) without active/eligible: activating a PIM-eligible
 *   role is not a new privilege, and would otherwise alert on every activation.
 * - An instance whose role streams are unusable in this run judges nothing (open findings stay).
 *   With no usable baseline (the first run, or only failed ones) nothing can be called new: the
 *   instance is noted, and assignments seen now become the baseline of the next run.
 * - Once raised, a finding stays open while the assignment exists (ids in `openIds`), and resolves
 *   when a complete read no longer shows it.
 */
export function privilegedFindings(current: SnapshotView, baselines: readonly SnapshotView[], openIds: ReadonlySet<string>): Observation {
  const out = emptyObservation(current.org, current.runId);
  const covered: string[] = [];
  for (const instance of roleInstances(current)) {
    if (!usable(current, instance)) {
      out.notes.push(`${TYPE}: role assignments of ${instance} could not be read completely in run ${current.runId}; open findings are kept`);
      continue;
    }
    covered.push(instance);
    const baseline = baselines.find((b) => b.runId < current.runId && roleInstances(b).has(instance) && usable(b, instance));
    if (!baseline) out.notes.push(`${TYPE}: no earlier run read the role assignments of ${instance} completely, so none is reported as new`);
    const before = baseline ? new Set(privileged(baseline, instance).map(subjectOf)) : null;
    const seen = new Set<string>();
    for (const a of privileged(current, instance)) {
      const subject = subjectOf(a);
      if (seen.has(subject)) continue;
      seen.add(subject);
      const id = findingId(current.org, TYPE, null, subject);
      const isNew = before !== null && !before.has(subject);
      if (!isNew && !openIds.has(id)) continue;
      const who = a.principalName ?? a.principalKey;
      out.findings.push({
        id,
        org: current.org,
        type: TYPE,
        rule: null,
        subject,
        label: `${who}: ${a.roleName || a.roleId}`,
        scope: instance,
        severity: DEFAULT_SEVERITY[TYPE],
        detail: `${who} (${a.principalType}) holds ${a.roleName || a.roleId} (${a.assignment}${a.scope && a.scope !== '/' ? `, scope ${a.scope}` : ''}) in ${instance}, ${isNew ? `not held in run ${baseline!.runId}` : 'still held'}; ${a.privilegeReason}`,
      });
    }
  }
  out.coverage.push({ type: TYPE, scopes: covered });
  return out;
}

function roleInstances(view: SnapshotView): Set<string> {
  return new Set(view.outcomes.filter((o) => o.entity === 'role_assignment').map((o) => o.instance));
}

function usable(view: SnapshotView, instance: string): boolean {
  const streams = view.outcomes.filter((o) => o.entity === 'role_assignment' && o.instance === instance);
  return streams.length > 0 && streams.every((o) => outcomeUsableFor(o, []).usable);
}

function privileged(view: SnapshotView, instance: string): RoleAssignment[] {
  return view.entities('role_assignment').filter((a) => a.privileged && a.source.instance === instance);
}

function subjectOf(a: RoleAssignment): string {
  return `${a.source.instance}/${a.principalKey}|${a.roleId}|${a.scope}`;
}
