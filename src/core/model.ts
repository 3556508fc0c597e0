import { z } from 'zod';

/**
 * The normalized entities every connector maps its vendor's records into. Rules read only these
 * (through the snapshot view), so a rule written once works for every system.
 *
 * Conventions:
 * - `key` is stable across runs for the same vendor object and unique per (source.instance, kind).
 * - Timestamps are ISO-8601 strings in UTC. For "last seen" style fields, `null` means the vendor
 *   says "never"; a field that could not be collected is not guessed: see `signIn`.
 */

export const isoTime = z.iso.datetime({ offset: true });

export const ENTITY_KINDS = ['account', 'mfa', 'role_assignment', 'app', 'app_grant', 'access_key', 'person'] as const;
export const entityKind = z.enum(ENTITY_KINDS);
export type EntityKind = z.infer<typeof entityKind>;

/** Which configured connector instance (inside which organisation) a record came from. */
export const entitySource = z.object({
  org: z.string().min(1),
  connector: z.string().min(1),
  instance: z.string().min(1),
});
export type EntitySource = z.infer<typeof entitySource>;

const base = {
  key: z.string().min(1),
  source: entitySource,
};

export const signInActivity = z.object({
  /** Last successful sign-in, interactive or not. `null`: the vendor has no record of one. */
  lastSuccessfulAt: isoTime.nullable(),
  /** Last interactive attempt, successful or not (Entra `lastSignInDateTime`). */
  lastInteractiveAt: isoTime.nullable(),
  lastNonInteractiveAt: isoTime.nullable(),
});
export type SignInActivity = z.infer<typeof signInActivity>;

export const account = z.object({
  ...base,
  kind: z.literal('account'),
  externalId: z.string().min(1),
  username: z.string().min(1),
  email: z.string().nullable(),
  displayName: z.string(),
  enabled: z.boolean(),
  /**
   * How the vendor classifies the account; the account class used by rules is derived later.
   * `root`: a cloud account's root user (AWS), which has its own rule.
   */
  vendorType: z.enum(['member', 'guest', 'service', 'root', 'unknown']),
  createdAt: isoTime.nullable(),
  /** `null` when sign-in data could not be collected (licence, permission); see the stream outcome. */
  signIn: signInActivity.nullable(),
  employeeId: z.string().nullable(),
  hireDate: isoTime.nullable(),
  leaveDate: isoTime.nullable(),
  /** Vendor facts the rules may explain with (e.g. `onPremisesSyncEnabled`); never secrets. */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type Account = z.infer<typeof account>;

export const mfaStatus = z.object({
  ...base,
  kind: z.literal('mfa'),
  accountKey: z.string().min(1),
  /** At least one second factor is registered. */
  registered: z.boolean(),
  /** The vendor enforces a second factor at sign-in for this account, when it says so (`null`: unknown). */
  enforced: z.boolean().nullable(),
  methods: z.array(z.string()),
  /** Phishing-resistant or app-based methods registered (FIDO2, Windows Hello, authenticator app). */
  strongMethods: z.array(z.string()),
  /**
   * `false` when the vendor says whether a second factor is on but not which methods (Google's
   * directory, AWS's credential report): `methods` and `strongMethods` are then empty for lack of
   * data, not because none exist. Absent means the lists are what the vendor reported.
   */
  methodsKnown: z.boolean().optional(),
});
export type MfaStatus = z.infer<typeof mfaStatus>;

export const roleAssignment = z.object({
  ...base,
  kind: z.literal('role_assignment'),
  principalKey: z.string().min(1),
  principalType: z.enum(['user', 'group', 'service_principal', 'unknown']),
  principalName: z.string().nullable(),
  roleId: z.string().min(1),
  roleName: z.string(),
  privileged: z.boolean(),
  /** Why the role counts as privileged (or not), in words a reviewer understands. */
  privilegeReason: z.string(),
  assignment: z.enum(['active', 'eligible']),
  scope: z.string(),
});
export type RoleAssignment = z.infer<typeof roleAssignment>;

export const app = z.object({
  ...base,
  kind: z.literal('app'),
  externalId: z.string().min(1),
  appId: z.string().nullable(),
  displayName: z.string(),
  publisher: z.object({ name: z.string(), verifiedId: z.string().nullable() }).nullable(),
  ownerTenantId: z.string().nullable(),
  /** Published by the platform vendor itself (e.g. a Microsoft-owned tenant). */
  firstParty: z.boolean(),
  enabled: z.boolean(),
  homepage: z.string().nullable(),
  replyUrls: z.array(z.string()),
  tags: z.array(z.string()),
});
export type App = z.infer<typeof app>;

export const appGrant = z.object({
  ...base,
  kind: z.literal('app_grant'),
  appKey: z.string().min(1),
  grantType: z.enum(['delegated', 'application']),
  /** `all_principals`: admin consent for everyone; `principal`: one user consented; `application`: app-only. */
  consentType: z.enum(['all_principals', 'principal', 'application']),
  /** The account that consented (delegated, one user); `null` for tenant-wide or app-only grants. */
  principalKey: z.string().nullable(),
  resourceKey: z.string().nullable(),
  resourceName: z.string().nullable(),
  scopes: z.array(z.string()),
  createdAt: isoTime.nullable(),
  /**
   * The app's name as the grant itself states it, for vendors that list grants without an app
   * record (Google's per-user tokens carry `displayText`). Absent when an `app` entity names it.
   */
  appDisplayName: z.string().nullable().optional(),
});
export type AppGrant = z.infer<typeof appGrant>;

export const accessKey = z.object({
  ...base,
  kind: z.literal('access_key'),
  accountKey: z.string().min(1),
  keyId: z.string().min(1),
  active: z.boolean(),
  createdAt: isoTime.nullable(),
  lastRotatedAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
});
export type AccessKey = z.infer<typeof accessKey>;

export const person = z.object({
  ...base,
  kind: z.literal('person'),
  employeeId: z.string().nullable(),
  email: z.string().nullable(),
  displayName: z.string(),
  status: z.enum(['active', 'terminated', 'future', 'unknown']),
  hireDate: isoTime.nullable(),
  leaveDate: isoTime.nullable(),
});
export type Person = z.infer<typeof person>;

export const entity = z.discriminatedUnion('kind', [account, mfaStatus, roleAssignment, app, appGrant, accessKey, person]);
export type Entity = z.infer<typeof entity>;
export type EntityOf<K extends EntityKind> = Extract<Entity, { kind: K }>;
