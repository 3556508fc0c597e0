import type { Connector } from '../../src/core/connector.ts';
import { checkGoogleWorkspace } from './check.ts';
import { googleWorkspaceConfigSchema, type GoogleWorkspaceConfig } from './config-schema.ts';
import { GOOGLE_PERMISSIONS } from './permissions.ts';
import { lazySession } from './session.ts';
import { rolesStream } from './streams/roles.ts';
import { tokensStream } from './streams/tokens.ts';
import { twoStepVerificationStream } from './streams/two-step-verification.ts';
import { usersStream } from './streams/users.ts';

/** Google Workspace through the Admin SDK Directory API, as a service account with domain-wide delegation. Read-only calls. */
export const connector: Connector<GoogleWorkspaceConfig> = {
  id: 'google-workspace',
  title: 'Google Workspace',
  configSchema: googleWorkspaceConfigSchema,
  permissions: GOOGLE_PERMISSIONS,
  check: checkGoogleWorkspace,
  streams(ctx) {
    const session = lazySession(ctx);
    return [usersStream(session), twoStepVerificationStream(session), rolesStream(session), tokensStream(session)];
  },
};
