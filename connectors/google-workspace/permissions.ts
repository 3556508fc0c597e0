import type { PermissionSpec } from '../../src/core/connector.ts';

/** The OAuth scopes the connector asks for. Each is requested in a token of its own (see session.ts). */
export const SCOPES = {
  users: 'https://www.googleapis.com/auth/admin.directory.user.readonly',
  roles: 'https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly',
  tokens: 'https://www.googleapis.com/auth/admin.directory.user.security',
} as const;
export type ScopeKey = keyof typeof SCOPES;

/**
 * Authorised by a super admin under Admin console → Security → Access and data control → API
 * controls → Manage Domain Wide Delegation → Add new, for the service account's client id.
 */
export const GOOGLE_PERMISSIONS: readonly PermissionSpec[] = [
  {
    name: SCOPES.users,
    kind: 'scope',
    required: true,
    why: 'Lists every user with suspended/archived state, super and delegated admin flags, last login, creation time, org unit, employee id and 2-Step Verification enrolment and enforcement; the tokens stream uses it to know whose tokens to list.',
    streams: ['users', 'two-step-verification', 'tokens'],
  },
  {
    name: SCOPES.roles,
    kind: 'scope',
    required: true,
    why: 'Reads admin roles (with their privileges) and role assignments to users and groups, to find privileged accounts.',
    streams: ['roles'],
  },
  {
    name: SCOPES.tokens,
    kind: 'scope',
    required: true,
    why: 'Lists the OAuth tokens each user granted to third-party apps (tokens.list), e.g. AI assistants reading Drive. Google offers no read-only scope for this: the scope would also allow revoking tokens, which Evidentia never calls. Without it, add `tokens` to disabledStreams.',
    streams: ['tokens'],
  },
];
