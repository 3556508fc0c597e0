import { StreamNotApplicable, type ConnectorContext, type Page, type Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages } from '../graph-pages.ts';
import type { RunReads } from './run-reads.ts';
import { graphRoleAssignment, graphRoleDefinition, mapRoleAssignment, toDefinitionInfo } from '../map-roles.ts';
import type { RoleDefinitionInfo } from '../privileged-roles.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';

/**
 * Role definitions come first (their pages are kept as evidence) so each assignment can be
 * named and judged by template id. `$expand=principal` tells users from groups and apps; expanding
 * `roleDefinition` as well is refused by Graph, hence the separate call. Both role streams need
 * them, so they are read once per run (`RunReads`) and each stream keeps the same page.
 */
async function* readDefinitions(reads: RunReads, ctx: ConnectorContext<M365Config>, into: Map<string, RoleDefinitionInfo>): AsyncGenerator<Page, boolean, undefined> {
  for (const p of await reads.roleDefinitions(ctx)) {
    const mapped = mapRecords(p.value ?? [], graphRoleDefinition, (d) => {
      into.set(d.id, toDefinitionInfo(d));
      return null;
    }, 'role definition');
    yield pageOf(p, [], mapped.failures);
    if (p.failure) return false;
  }
  return true;
}

export function roleAssignmentsStream(session: () => Promise<GraphSession>, reads: RunReads): Stream<M365Config> {
  return {
    id: 'role-assignments',
    entity: 'role_assignment',
    title: 'Active directory role assignments',
    async *read(ctx) {
      const definitions = new Map<string, RoleDefinitionInfo>();
      if (!(yield* readDefinitions(reads, ctx, definitions))) return;
      const s = await session();
      const url = '/v1.0/roleManagement/directory/roleAssignments?$expand=principal';
      for await (const p of graphPages(s, url, { permission: 'RoleManagement.Read.Directory' }, ctx.now)) {
        const mapped = mapRecords(p.value ?? [], graphRoleAssignment, (a) => mapRoleAssignment(a, definitions, 'active', sourceOf(ctx)), 'role assignment');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}

/**
 * PIM-eligible assignments: people who can activate an admin role when they choose. Without Entra
 * ID P2 a tenant cannot have any (PIM removes them when the licence lapses), so the licence error
 * makes the stream not applicable rather than failed. A missing permission is a real gap.
 */
export function roleEligibilityStream(session: () => Promise<GraphSession>, reads: RunReads): Stream<M365Config> {
  return {
    id: 'role-eligibility',
    entity: 'role_assignment',
    title: 'PIM-eligible directory role assignments',
    async *read(ctx) {
      const definitions = new Map<string, RoleDefinitionInfo>();
      if (!(yield* readDefinitions(reads, ctx, definitions))) return;
      const s = await session();
      const url = '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances';
      const needs = { permission: 'RoleEligibilitySchedule.Read.Directory', licence: 'Microsoft Entra ID P2' };
      for await (const p of graphPages(s, url, needs, ctx.now)) {
        if (p.failure?.kind === 'unlicensed') {
          yield pageOf({ ...p, failure: null }, []);
          throw new StreamNotApplicable(`the tenant has no Entra ID P2 licence, so it cannot hold PIM-eligible assignments (${p.failure.detail})`);
        }
        const mapped = mapRecords(p.value ?? [], graphRoleAssignment, (a) => mapRoleAssignment(a, definitions, 'eligible', sourceOf(ctx)), 'eligible assignment');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}
