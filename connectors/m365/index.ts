import type { Connector } from '../../src/core/connector.ts';
import { checkM365 } from './check.ts';
import { m365ConfigSchema, type M365Config } from './config-schema.ts';
import { M365_PERMISSIONS } from './permissions.ts';
import { lazySession } from './session.ts';
import { runReads } from './streams/run-reads.ts';
import { usersStream } from './streams/users.ts';
import { mfaRegistrationStream } from './streams/mfa-registration.ts';
import { roleAssignmentsStream, roleEligibilityStream } from './streams/role-assignments.ts';
import { appRoleAssignmentsStream, delegatedGrantsStream, servicePrincipalsStream } from './streams/apps.ts';

/** Microsoft 365 / Entra ID through Microsoft Graph, app-only, read-only. */
export const connector: Connector<M365Config> = {
  id: 'm365',
  title: 'Microsoft 365 / Entra ID',
  configSchema: m365ConfigSchema,
  permissions: M365_PERMISSIONS,
  check: checkM365,
  streams(ctx) {
    const session = lazySession(ctx);
    const reads = runReads(session);
    return [
      usersStream(session),
      mfaRegistrationStream(session),
      roleAssignmentsStream(session, reads),
      roleEligibilityStream(session, reads),
      servicePrincipalsStream(reads),
      delegatedGrantsStream(session, reads),
      appRoleAssignmentsStream(session, reads),
    ];
  },
};
