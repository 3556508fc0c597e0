import { z } from 'zod';
import type { ConnectorContext, Page } from '../../../src/core/connector.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages } from '../graph-pages.ts';
import { pageOf } from './page-of.ts';

/**
 * The directory audit log as the trigger for application permissions. An app role assignment is a
 * navigation property of its service principal, and Graph delta does not track navigation
 * properties: a permission granted to an existing app never shows in `/servicePrincipals/delta`.
 * Entra writes every grant and removal to the directory audit log ("Add app role assignment to
 * service principal", "Remove app role assignment from service principal", "Consent to
 * application", "Add/Remove service principal", category ApplicationManagement), so the service
 * principals named there since the last read are the ones whose permissions may have changed.
 *
 * Which of client and resource an event puts in `targetResources` and which only in
 * `modifiedProperties` (e.g. `ServicePrincipal.ObjectID`) is not documented, so every GUID the
 * event carries in either place is taken: re-reading one app too many costs a call, missing one
 * would carry a stale permission forward.
 */

/**
 * The window starts this long before the previous read: Entra writes audit events late (95th
 * percentile about 2 minutes, 99th about 5, reports of 5–15), so an event that happened just
 * before the previous read may only have appeared after it. An hour covers that with room to spare.
 */
export const AUDIT_OVERLAP_MS = 3_600_000;
/** Audit events are kept 7 days on tenants without Entra ID P1/P2 (30 with them); an older window may have lost events. */
export const AUDIT_RETENTION_MS = 7 * 86_400_000;

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const auditEvent = z
  .object({
    id: z.string(),
    activityDisplayName: z.string().nullish(),
    targetResources: z.array(
      z
        .object({
          id: z.string().nullish(),
          modifiedProperties: z.array(z.object({ oldValue: z.string().nullish(), newValue: z.string().nullish() }).passthrough()).nullish(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export type AuditWindow =
  | { ok: true; named: Set<string>; events: number }
  | { ok: false; reason: string };

/**
 * Reads the ApplicationManagement events since `from` and returns every object id they name.
 * The pages are yielded as evidence without failures: a refused or incomplete read is not a
 * failure of the stream, it only means the stream must read everything (the caller does).
 */
export async function* readAuditWindow(s: GraphSession, ctx: ConnectorContext<M365Config>, from: Date): AsyncGenerator<Page, AuditWindow, undefined> {
  const filter = `activityDateTime ge ${from.toISOString()} and category eq 'ApplicationManagement'`;
  const url = `/v1.0/auditLogs/directoryAudits?$filter=${encodeURIComponent(filter)}`;
  const named = new Set<string>();
  let events = 0;
  let problem: string | null = null;
  for await (const p of graphPages(s, url, { permission: 'AuditLog.Read.All', licence: 'Microsoft Entra ID P1 or P2' }, ctx.now)) {
    yield pageOf({ ...p, failure: null }, []);
    if (p.failure) {
      problem = `the directory audit log could not be read completely (${p.status ? `${p.status}: ` : ''}${p.failure.detail})`;
      continue;
    }
    for (const record of p.value ?? []) {
      const e = auditEvent.safeParse(record);
      if (!e.success) {
        problem ??= 'a directory audit event could not be read, so the service principals it names are unknown';
        continue;
      }
      events++;
      for (const t of e.data.targetResources) {
        if (t.id) for (const g of t.id.match(GUID) ?? []) named.add(g.toLowerCase());
        for (const m of t.modifiedProperties ?? []) for (const v of [m.oldValue, m.newValue]) for (const g of v?.match(GUID) ?? []) named.add(g.toLowerCase());
      }
    }
  }
  return problem ? { ok: false, reason: problem } : { ok: true, named, events };
}
