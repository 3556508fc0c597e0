import { z } from 'zod';
import type { EntitySource, RoleAssignment } from '../../src/core/model.ts';
import { privilegeOf, type RoleDefinitionInfo } from './privileged-roles.ts';

export const graphRoleDefinition = z.object({
  id: z.string().min(1),
  displayName: z.string(),
  templateId: z.string().nullish(),
  isPrivileged: z.boolean().nullish(),
});

const principal = z
  .object({
    '@odata.type': z.string().optional(),
    id: z.string().optional(),
    displayName: z.string().nullish(),
    userPrincipalName: z.string().nullish(),
  })
  .nullish();

export const graphRoleAssignment = z.object({
  id: z.string().min(1),
  principalId: z.string().min(1),
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullish(),
  principal,
});

export function toDefinitionInfo(d: z.infer<typeof graphRoleDefinition>): RoleDefinitionInfo {
  return { id: d.id, displayName: d.displayName, templateId: d.templateId ?? null, isPrivileged: d.isPrivileged ?? null };
}

function principalType(odataType: string | undefined): RoleAssignment['principalType'] {
  switch (odataType) {
    case '#microsoft.graph.user':
      return 'user';
    case '#microsoft.graph.group':
      return 'group';
    case '#microsoft.graph.servicePrincipal':
      return 'service_principal';
    default:
      return 'unknown';
  }
}

export function mapRoleAssignment(
  a: z.infer<typeof graphRoleAssignment>,
  definitions: ReadonlyMap<string, RoleDefinitionInfo>,
  assignment: RoleAssignment['assignment'],
  source: EntitySource,
): RoleAssignment {
  const def = definitions.get(a.roleDefinitionId);
  const { privileged, reason } = privilegeOf(def, a.roleDefinitionId);
  return {
    kind: 'role_assignment',
    key: `${assignment}:${a.id}`,
    source,
    principalKey: a.principalId,
    principalType: principalType(a.principal?.['@odata.type']),
    principalName: a.principal?.userPrincipalName ?? a.principal?.displayName ?? null,
    roleId: def?.templateId ?? a.roleDefinitionId,
    roleName: def?.displayName ?? a.roleDefinitionId,
    privileged,
    privilegeReason: reason,
    assignment,
    scope: a.directoryScopeId ?? '/',
  };
}
