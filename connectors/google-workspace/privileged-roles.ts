/**
 * Which Google Workspace admin roles make an account privileged: able to take over other accounts
 * (reset passwords or 2-Step Verification, create admins) or change organisation-wide settings.
 *
 * System roles are recognised by their fixed `roleName` (the same in every customer; role ids
 * differ per customer), and only when Google marks them `isSystemRole`. Custom roles, and system
 * roles not listed here, are judged by their privileges.
 */

/** Pre-built roles that count as privileged, with the reason shown to reviewers. */
export const PRIVILEGED_SYSTEM_ROLES: ReadonlyMap<string, string> = new Map([
  ['_USER_MANAGEMENT_ADMIN_ROLE', 'User Management Administrator can create, suspend and delete non-admin users, reset their passwords and 2-Step Verification'],
  ['_HELP_DESK_ADMIN_ROLE', 'Help Desk Administrator can reset the passwords of non-admin users, which is enough to take their accounts over'],
  ['_SERVICES_ADMIN_ROLE', 'Services Administrator can change the settings of every Google service (Gmail routing, Drive sharing, security settings) for the whole organisation'],
]);

/** Pre-built roles that are not privileged in this sense, with why. */
export const UNPRIVILEGED_SYSTEM_ROLES: ReadonlyMap<string, string> = new Map([
  ['_GROUPS_ADMIN_ROLE', 'Groups Administrator manages groups and their members but cannot change users’ sign-in'],
  ['_GROUPS_EDITOR_ROLE', 'Groups Editor edits groups only'],
  ['_GROUPS_READER_ROLE', 'Groups Reader is read-only'],
  ['_MOBILE_ADMIN_ROLE', 'Mobile Administrator manages devices, not identities'],
  ['_GOOGLE_VOICE_ADMIN_ROLE', 'Google Voice Administrator manages Voice only'],
]);

/**
 * Privileges that allow taking over accounts or the whole customer. Names as Google's "Manage
 * roles" guide and `privileges.list` show them.
 */
export const TAKEOVER_PRIVILEGES: ReadonlySet<string> = new Set([
  'SUPER_ADMIN',
  'ROOT_APP_ADMIN',
  'USERS_ALL',
  'USERS_CREATE',
  'USERS_UPDATE',
  'USERS_RESET_PASSWORD',
  'USER_SECURITY_ALL',
]);

export interface RoleInfo {
  roleId: string;
  roleName: string;
  roleDescription: string | null;
  isSystemRole: boolean;
  isSuperAdminRole: boolean;
  privileges: string[];
}

/** The name a reviewer recognises: a system role's description ("Help Desk Administrator"), a custom role's name. */
export function displayName(role: RoleInfo): string {
  return role.isSystemRole && role.roleDescription ? role.roleDescription : role.roleName;
}

export function privilegeOf(role: RoleInfo | undefined, roleId: string): { privileged: boolean; reason: string } {
  if (!role) return { privileged: false, reason: `role ${roleId} was not returned by roles.list, so its privileges are unknown; treated as not privileged` };
  const name = displayName(role);
  if (role.isSuperAdminRole) return { privileged: true, reason: `${name} is a super admin role: every privilege in the Admin console and the APIs` };
  if (role.isSystemRole) {
    const yes = PRIVILEGED_SYSTEM_ROLES.get(role.roleName);
    if (yes) return { privileged: true, reason: yes };
    const no = UNPRIVILEGED_SYSTEM_ROLES.get(role.roleName);
    if (no) return { privileged: false, reason: no };
  }
  const takeover = role.privileges.filter((p) => TAKEOVER_PRIVILEGES.has(p));
  if (takeover.length > 0) return { privileged: true, reason: `${name} holds ${takeover.join(', ')}, which can take over user accounts` };
  return { privileged: false, reason: `${name} holds no privilege that can take over accounts or change organisation-wide settings` };
}
