import { z } from 'zod';
import type { ConnectorContext, Page, PreviousCollection } from '../../../src/core/connector.ts';
import type { AppGrant } from '../../../src/core/model.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { AUDIT_OVERLAP_MS, AUDIT_RETENTION_MS, readAuditWindow } from './audit-window.ts';
import type { ServicePrincipalRead } from './service-principals-read.ts';
import { drainPages } from './tracked-read.ts';

/**
 * Which apps' application permissions a run must ask Graph for. A full read asks every app (one
 * call each). An incremental run starts from the permissions of the run that stored the
 * checkpoint and asks only the apps that may have changed since: new or changed per
 * `/servicePrincipals/delta`, and every app the directory audit log names since the last read
 * (minus an overlap, see audit-window.ts); permissions of removed apps, or granted on a removed
 * resource, are dropped. The rest is carried forward.
 *
 * Fail closed: without a complete audit window (no checkpoint, older than the audit retention,
 * the log refused or cut short, the apps not read through delta from the same base run) it reads
 * every app, and the note says why. A grant that might have been missed must make the run read
 * everything, never look unchanged.
 */

export const assignmentsCheckpoint = z.object({
  /** When the audit log was last read up to (or, after a full read, when that read began). */
  auditReadTo: z.string(),
});
export type AssignmentsCheckpoint = z.infer<typeof assignmentsCheckpoint>;

export interface AssignmentsPlan {
  /** The audit log pages read (evidence), possibly none. */
  pages: Page[];
  /** Permissions carried forward from the base run unchanged. */
  carried: AppGrant[];
  /** The service principals to ask for their permissions, in list order. */
  reread: string[];
  note: string;
  checkpoint: { value: AssignmentsCheckpoint; baseRunId: number | null };
}

const STREAM = 'app-role-assignments';

export async function planAssignmentsRead(
  s: GraphSession,
  ctx: ConnectorContext<M365Config>,
  prev: PreviousCollection,
  sps: ServicePrincipalRead & { ids: string[] },
): Promise<AssignmentsPlan> {
  const startedAt = ctx.now();
  const checkpoint = (baseRunId: number | null) => ({ value: { auditReadTo: startedAt.toISOString() }, baseRunId });
  const full = (reason: string | null, pages: Page[] = []): AssignmentsPlan => ({
    pages,
    carried: [],
    reread: sps.ids,
    note: reason
      ? `Full read of every app's application permissions instead of incremental: ${reason}.`
      : "Full read of every app's application permissions; the next incremental run reads the directory audit log from now on.",
    checkpoint: checkpoint(null),
  });
  if (prev.mode !== 'incremental') return full(null);
  const stored = await prev.checkpoint(STREAM);
  if (!stored) return full('no earlier complete read of application permissions tracked changes');
  const cp = assignmentsCheckpoint.safeParse(stored.value);
  if (!cp.success) return full(`the checkpoint stored by run ${stored.runId} is unreadable`);
  const readTo = Date.parse(cp.data.auditReadTo);
  const from = new Date(readTo - AUDIT_OVERLAP_MS);
  // The whole window, overlap included, must still be in the log: an event older than the retention is gone.
  if (!(startedAt.getTime() - from.getTime() <= AUDIT_RETENTION_MS)) {
    return full(`they were last read at ${cp.data.auditReadTo}, more than 7 days ago, beyond the directory audit log's retention on tenants without Entra ID P1/P2`);
  }
  const changes = sps.changes;
  if (!changes) return full('the service principals were read in full this run, so Graph delta did not say which apps are new or changed');
  if (changes.baseRunId !== stored.runId) {
    return full(`the service principals' changes are relative to run ${changes.baseRunId}, but the permissions were last read in run ${stored.runId}`);
  }
  const { pages, result: audit } = await drainPages(readAuditWindow(s, ctx, from));
  if (!audit.ok) return full(audit.reason, pages);

  const current = new Set(sps.ids);
  const byLowerId = new Map(sps.ids.map((id) => [id.toLowerCase(), id]));
  const reread = new Set<string>();
  for (const key of changes.changed) if (current.has(key)) reread.add(key);
  const byDelta = reread.size;
  for (const named of audit.named) {
    const id = byLowerId.get(named);
    if (id !== undefined) reread.add(id);
  }
  const base = (await prev.entities(stored.runId, STREAM)).filter((e): e is AppGrant => e.kind === 'app_grant');
  const carried = base.filter((g) => current.has(g.appKey) && !reread.has(g.appKey) && !(g.resourceKey !== null && changes.removed.has(g.resourceKey)));
  const droppedForRemoval = base.filter((g) => !current.has(g.appKey) || (g.resourceKey !== null && changes.removed.has(g.resourceKey))).length;
  const note =
    `Incremental: ${carried.length} application permissions carried forward from run ${stored.runId}; ` +
    `${reread.size} apps re-read (${byDelta} new or changed per Graph delta, ${reread.size - byDelta} more named in ${audit.events} directory audit events since ${from.toISOString()}); ` +
    `${droppedForRemoval} permissions of removed apps dropped.`;
  return { pages, carried, reread: sps.ids.filter((id) => reread.has(id)), note, checkpoint: checkpoint(stored.runId) };
}
