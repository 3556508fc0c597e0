import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphObject, graphPages } from '../graph-pages.ts';
import type { AppGrant } from '../../../src/core/model.ts';
import { delegatedGrantKey, graphAppRoleAssignment, graphDelegatedGrant, graphResourceRoles, mapAppRoleAssignment, mapDelegatedGrant } from '../map-apps.ts';
import { linkOnlyTracking, trackedRead } from './tracked-read.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import type { RunReads } from './run-reads.ts';
import { planAssignmentsRead } from './app-permissions-incremental.ts';

export function servicePrincipalsStream(reads: RunReads): Stream<M365Config> {
  return {
    id: 'service-principals',
    entity: 'app',
    title: 'Enterprise apps (service principals)',
    async *read(ctx) {
      yield* (await reads.servicePrincipals(ctx)).pages;
    },
  };
}

const GRANTS_NEEDS = { permission: 'Directory.Read.All' };

/** Delegated consents; when the run tracks changes, from `/oauth2PermissionGrants/delta` applied to the base run's grants. */
export function delegatedGrantsStream(session: () => Promise<GraphSession>, reads: RunReads): Stream<M365Config> {
  return {
    id: 'delegated-grants',
    entity: 'app_grant',
    title: 'Delegated OAuth consents (oauth2PermissionGrants)',
    async *read(ctx) {
      const s = await session();
      const map = (records: unknown[]) => mapRecords(records, graphDelegatedGrant, (g) => mapDelegatedGrant(g, sourceOf(ctx)), 'delegated grant');
      async function* full(): AsyncGenerator<Page, void, undefined> {
        // Graph pages this directory collection by 100 unless asked; 999 is its maximum (more is a 400).
        for await (const p of graphPages(s, '/v1.0/oauth2PermissionGrants?$top=999', GRANTS_NEEDS, ctx.now)) {
          const mapped = map(p.value ?? []);
          yield pageOf(p, mapped.entities, mapped.failures);
        }
      }
      yield* trackedRead(s, ctx, {
        ...linkOnlyTracking<AppGrant>(s, ctx, {
          stream: 'delegated-grants',
          needs: GRANTS_NEEDS,
          isEntity: (e): e is AppGrant => e.kind === 'app_grant',
          keyOf: delegatedGrantKey,
          map: (record) => map([record]),
          note: (c) => `Incremental: ${c.added} added, ${c.changed} changed, ${c.removed} removed delegated grants applied to run ${c.baseRunId}'s grants via Graph delta.`,
          // Whether Graph's grants delta reports the consents of a deleted app as removed is not
          // documented; a full read would not list them, so this run's own app list decides.
          orphans: async (grants) => {
            const apps = await reads.servicePrincipals(ctx);
            if (apps.ids === null) return { keys: [], note: ' The apps could not be read this run, so the consents were not checked against them.' };
            const present = new Set(apps.ids.map((id) => id.toLowerCase()));
            const gone = grants.filter((g) => !present.has(g.appKey.toLowerCase()) || (g.resourceKey !== null && !present.has(g.resourceKey.toLowerCase())));
            return { keys: gone.map((g) => g.key), note: gone.length > 0 ? ` ${gone.length} consent(s) of apps no longer in the directory dropped.` : '' };
          },
        }),
        latestUrl: '/v1.0/oauth2PermissionGrants/delta?$deltatoken=latest',
        needs: GRANTS_NEEDS,
        full,
      });
    },
  };
}

/**
 * Application permissions (app-only access, no user present) are listed per client service
 * principal, so this stream takes the service principals (the same pages the apps stream reads,
 * once per run), asks each for its assignments, then reads each distinct resource once to turn app
 * role ids into permission names like `Mail.Read`. An incremental run asks only the apps that may
 * have changed (see app-permissions-incremental.ts).
 */
export function appRoleAssignmentsStream(session: () => Promise<GraphSession>, reads: RunReads): Stream<M365Config> {
  return {
    id: 'app-role-assignments',
    entity: 'app_grant',
    title: 'Application permissions granted to apps',
    async *read(ctx: ConnectorContext<M365Config>): AsyncGenerator<Page, void, undefined> {
      const sps = await reads.servicePrincipals(ctx);
      // The apps' pages are this stream's evidence too; their entities and resume point belong to the apps stream.
      const ids = sps.ids;
      const evidence = sps.pages.map((p) => ({ ...p, entities: [], failures: ids ? [] : p.failures, checkpoint: undefined, note: undefined }));
      if (!ids) {
        yield* evidence;
        return;
      }
      const s = await session();
      if (!ctx.previous) {
        yield* evidence;
        yield* readAssignmentsOf(s, ctx, ids);
        return;
      }
      const plan = await planAssignmentsRead(s, ctx, ctx.previous, { ...sps, ids });
      // The decision (what is carried, from when the next audit window starts) rides on the last page read before the per-app reads.
      const pages = [...evidence, ...plan.pages];
      const last = pages.length - 1;
      if (last >= 0) pages[last] = { ...pages[last]!, entities: plan.carried, note: plan.note, checkpoint: plan.checkpoint };
      yield* pages;
      yield* readAssignmentsOf(s, ctx, plan.reread);
    },
  };
}

/** `/servicePrincipals/{id}/appRoleAssignments` for each id, with each resource's role names read once. */
async function* readAssignmentsOf(s: GraphSession, ctx: ConnectorContext<M365Config>, ids: readonly string[]): AsyncGenerator<Page, void, undefined> {
  const needs = { permission: 'Application.Read.All' };
  const roleValues = new Map<string, string>();
  const resolved = new Set<string>();
  for (const id of ids) {
    for await (const p of graphPages(s, `/v1.0/servicePrincipals/${encodeURIComponent(id)}/appRoleAssignments`, needs, ctx.now)) {
      const parsed = mapRecords(p.value ?? [], graphAppRoleAssignment, (a) => a, 'app role assignment');
      // Each resource (Microsoft Graph, Exchange…) is read once, before the first page that
      // needs its app role names, so every assignment stays attached to the page it came from.
      for (const resourceId of new Set(parsed.entities.map((a) => a.resourceId))) {
        if (resolved.has(resourceId)) continue;
        resolved.add(resourceId);
        const r = await graphObject(s, `/v1.0/servicePrincipals/${encodeURIComponent(resourceId)}?$select=id,displayName,appRoles`, needs, ctx.now);
        const roles = mapRecords(r.value ?? [], graphResourceRoles, (res) => {
          for (const role of res.appRoles ?? []) if (role.value) roleValues.set(role.id, role.value);
          return null;
        }, 'resource service principal');
        // Without the resource's role list the grant is kept with its raw role id; only the
        // permission names are missing, so the failure is scoped to that field.
        const scoped = [...roles.failures, ...(r.failure ? [r.failure] : [])].map((f) => ({ ...f, field: 'scopes' }));
        yield pageOf({ ...r, failure: null }, [], scoped);
      }
      const entities = parsed.entities.map((a) => mapAppRoleAssignment(a, roleValues, sourceOf(ctx)));
      yield pageOf(p, entities, parsed.failures);
      if (p.failure) return;
    }
  }
}
