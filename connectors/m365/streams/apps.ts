import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphObject, graphPages } from '../graph-pages.ts';
import {
  graphAppRoleAssignment,
  graphDelegatedGrant,
  graphResourceRoles,
  graphServicePrincipal,
  mapAppRoleAssignment,
  mapDelegatedGrant,
  mapServicePrincipal,
} from '../map-apps.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import type { RunReads } from './run-reads.ts';

export function servicePrincipalsStream(reads: RunReads): Stream<M365Config> {
  return {
    id: 'service-principals',
    entity: 'app',
    title: 'Enterprise apps (service principals)',
    async *read(ctx) {
      for (const p of await reads.servicePrincipals(ctx)) {
        const mapped = mapRecords(p.value ?? [], graphServicePrincipal, (sp) => mapServicePrincipal(sp, sourceOf(ctx)), 'service principal');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}

export function delegatedGrantsStream(session: () => Promise<GraphSession>): Stream<M365Config> {
  return {
    id: 'delegated-grants',
    entity: 'app_grant',
    title: 'Delegated OAuth consents (oauth2PermissionGrants)',
    async *read(ctx) {
      const s = await session();
      // Graph pages this directory collection by 100 unless asked; 999 is its maximum (more is a 400).
      const url = '/v1.0/oauth2PermissionGrants?$top=999';
      for await (const p of graphPages(s, url, { permission: 'Directory.Read.All' }, ctx.now)) {
        const mapped = mapRecords(p.value ?? [], graphDelegatedGrant, (g) => mapDelegatedGrant(g, sourceOf(ctx)), 'delegated grant');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}

/**
 * Application permissions (app-only access, no user present) are listed per client service
 * principal, so this stream takes the service principals (the same pages the apps stream reads,
 * once per run), asks each for its assignments, then reads each distinct resource once to turn app
 * role ids into permission names like `Mail.Read`.
 */
export function appRoleAssignmentsStream(session: () => Promise<GraphSession>, reads: RunReads): Stream<M365Config> {
  return {
    id: 'app-role-assignments',
    entity: 'app_grant',
    title: 'Application permissions granted to apps',
    async *read(ctx: ConnectorContext<M365Config>): AsyncGenerator<Page, void, undefined> {
      const needs = { permission: 'Application.Read.All' };
      const ids: string[] = [];
      for (const p of await reads.servicePrincipals(ctx)) {
        for (const v of p.value ?? []) if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') ids.push((v as { id: string }).id);
        yield pageOf(p, []);
        if (p.failure) return;
      }
      const s = await session();
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
    },
  };
}
