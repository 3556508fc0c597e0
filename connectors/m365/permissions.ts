import type { PermissionSpec } from '../../src/core/connector.ts';

/** Read-only Microsoft Graph application permissions, each with the streams that need it. */
export const M365_PERMISSIONS: readonly PermissionSpec[] = [
  {
    name: 'User.Read.All',
    kind: 'application_permission',
    required: true,
    why: 'Lists every user with enabled state, type and creation date: the population every identity control is measured on.',
    streams: ['users'],
  },
  {
    name: 'AuditLog.Read.All',
    kind: 'application_permission',
    required: true,
    why: 'Reads sign-in activity (last sign-in) and the MFA registration report (userRegistrationDetails); in incremental runs, the directory audit log (auditLogs/directoryAudits) tells which apps had application permissions granted or removed. Without it incremental runs read every app\'s permissions.',
    streams: ['users', 'mfa-registration', 'app-role-assignments'],
  },
  {
    name: 'RoleManagement.Read.Directory',
    kind: 'application_permission',
    required: true,
    why: 'Reads directory role definitions and active role assignments to find privileged accounts.',
    streams: ['role-assignments'],
  },
  {
    name: 'RoleEligibilitySchedule.Read.Directory',
    kind: 'application_permission',
    required: false,
    why: 'Reads PIM-eligible role assignments: people who can activate an admin role. Without it, add `role-eligibility` to disabledStreams.',
    streams: ['role-eligibility'],
  },
  {
    name: 'Application.Read.All',
    kind: 'application_permission',
    required: true,
    why: 'Lists enterprise apps (service principals) and the application permissions granted to them.',
    streams: ['service-principals', 'app-role-assignments'],
  },
  {
    name: 'Directory.Read.All',
    kind: 'application_permission',
    required: true,
    why: 'Reads delegated OAuth consents (oauth2PermissionGrants): which apps users or admins let read company data.',
    streams: ['delegated-grants'],
  },
  {
    name: 'Microsoft Entra ID P1 or P2',
    kind: 'licence',
    required: true,
    why: 'Microsoft serves sign-in activity and the MFA registration report only to tenants with Entra ID P1/P2 (P2 also for PIM).',
    streams: ['users', 'mfa-registration', 'role-eligibility'],
  },
];
