import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { GoogleWorkspaceConfig } from '../config-schema.ts';
import { RAW, type DirectoryClient } from '../directory-call.ts';
import { listPages } from '../directory-pages.ts';
import { directoryRole, directoryRoleAssignment, mapRoleAssignment, toRoleInfo } from '../map-roles.ts';
import type { RoleInfo } from '../privileged-roles.ts';
import type { GoogleSession } from '../session.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';

/**
 * Admin role assignments (to users and groups). The roles are read first, so each assignment can
 * say whether its role is privileged and why; if they cannot be read, no assignment is judged.
 */
export function rolesStream(session: () => Promise<GoogleSession>): Stream<GoogleWorkspaceConfig> {
  return {
    id: 'roles',
    entity: 'role_assignment',
    title: 'Admin role assignments',
    async *read(ctx: ConnectorContext<GoogleWorkspaceConfig>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      const customer = ctx.config.customer;
      const roles = new Map<string, RoleInfo>();
      const listRoles = (c: DirectoryClient, pageToken: string | undefined) => c.roles.list({ customer, maxResults: 100, ...(pageToken ? { pageToken } : {}) }, RAW);
      for await (const p of listPages(s, 'roles', 'roles.list', 'items', listRoles, ctx.now)) {
        const parsed = mapRecords(p.items ?? [], directoryRole, toRoleInfo, 'role');
        for (const r of parsed.entities) roles.set(r.roleId, r);
        yield pageOf(p, [], parsed.failures);
        if (p.failure) return;
      }
      const listAssignments = (c: DirectoryClient, pageToken: string | undefined) => c.roleAssignments.list({ customer, maxResults: 200, ...(pageToken ? { pageToken } : {}) }, RAW);
      for await (const p of listPages(s, 'roles', 'roleAssignments.list', 'items', listAssignments, ctx.now)) {
        const mapped = mapRecords(p.items ?? [], directoryRoleAssignment, (a) => mapRoleAssignment(a, roles, source), 'role assignment');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}
