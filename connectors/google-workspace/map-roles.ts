import { z } from 'zod';
import type { EntitySource, RoleAssignment } from '../../src/core/model.ts';
import { displayName, privilegeOf, type RoleInfo } from './privileged-roles.ts';

export const directoryRole = z.object({
  roleId: z.string().min(1),
  roleName: z.string(),
  roleDescription: z.string().nullish(),
  // Google leaves both out when false.
  isSystemRole: z.boolean().nullish(),
  isSuperAdminRole: z.boolean().nullish(),
  rolePrivileges: z.array(z.object({ privilegeName: z.string().nullish(), serviceId: z.string().nullish() })).nullish(),
});

export function toRoleInfo(r: z.infer<typeof directoryRole>): RoleInfo {
  return {
    roleId: r.roleId,
    roleName: r.roleName,
    roleDescription: r.roleDescription ?? null,
    isSystemRole: r.isSystemRole === true,
    isSuperAdminRole: r.isSuperAdminRole === true,
    privileges: (r.rolePrivileges ?? []).flatMap((p) => (p.privilegeName ? [p.privilegeName] : [])),
  };
}

export const directoryRoleAssignment = z.object({
  roleAssignmentId: z.string().min(1),
  roleId: z.string().min(1),
  assignedTo: z.string().min(1),
  assigneeType: z.string().nullish(),
  scopeType: z.string().nullish(),
  orgUnitId: z.string().nullish(),
  condition: z.string().nullish(),
});

/** Google's guide shows `user`/`group`, its discovery document `USER`/`GROUP`: compared case-insensitively. */
function principalType(assigneeType: string | null | undefined): RoleAssignment['principalType'] {
  switch (assigneeType?.toLowerCase()) {
    case 'user':
      return 'user';
    case 'group':
      return 'group';
    default:
      return 'unknown';
  }
}

/**
 * `principalKey` is `assignedTo`: a user's id (the account key of the users stream), a group's id,
 * or a service account's unique id. A conditional assignment (`condition`, groups roles only) is
 * kept in the scope string so reviewers see it.
 */
export function mapRoleAssignment(a: z.infer<typeof directoryRoleAssignment>, roles: ReadonlyMap<string, RoleInfo>, source: EntitySource): RoleAssignment {
  const role = roles.get(a.roleId);
  const { privileged, reason } = privilegeOf(role, a.roleId);
  const scope = a.scopeType === 'ORG_UNIT' ? `orgUnit/${a.orgUnitId ?? 'unknown'}` : '/';
  return {
    kind: 'role_assignment',
    key: a.roleAssignmentId,
    source,
    principalKey: a.assignedTo,
    principalType: principalType(a.assigneeType),
    principalName: null,
    roleId: a.roleId,
    roleName: role ? displayName(role) : a.roleId,
    privileged,
    privilegeReason: reason,
    assignment: 'active',
    scope: a.condition ? `${scope} if ${a.condition}` : scope,
  };
}
