import { z } from 'zod';
import type { Account, EntitySource, MfaStatus } from '../../src/core/model.ts';

const flag = z.boolean().nullish();

/** The user fields the connector reads (users.list with `projection=full` returns many more). */
export const directoryUser = z.object({
  id: z.string().min(1),
  primaryEmail: z.string().min(1),
  name: z.object({ fullName: z.string().nullish(), givenName: z.string().nullish(), familyName: z.string().nullish() }).nullish(),
  suspended: flag,
  suspensionReason: z.string().nullish(),
  archived: flag,
  isAdmin: flag,
  isDelegatedAdmin: flag,
  lastLoginTime: z.string().nullish(),
  creationTime: z.string().nullish(),
  orgUnitPath: z.string().nullish(),
  customerId: z.string().nullish(),
  changePasswordAtNextLogin: flag,
  isMailboxSetup: flag,
  // `any` in Google's schema; a list of `{value, type, customType}` in practice.
  externalIds: z.array(z.object({ value: z.string().nullish(), type: z.string().nullish() }).loose()).nullish(),
});
export type DirectoryUser = z.infer<typeof directoryUser>;

/** A Google timestamp as ISO, or `null` when absent or not a date. */
function time(value: string | null | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Google writes "never logged in" as `lastLoginTime: 1970-01-01T00:00:00.000Z`. That becomes a
 * sign-in record with null dates (the vendor says never), unlike a missing field, which means the
 * data was not collected (`signIn: null`). `lastLoginTime` counts interactive logins only: Google
 * reports no non-interactive activity, so that date stays null.
 */
function signInOf(lastLoginTime: string | null | undefined): Account['signIn'] {
  if (lastLoginTime === undefined || lastLoginTime === null) return null;
  const t = time(lastLoginTime);
  const at = t === null || Date.parse(t) === 0 ? null : t;
  return { lastSuccessfulAt: at, lastInteractiveAt: at, lastNonInteractiveAt: null };
}

export function mapUser(u: DirectoryUser, source: EntitySource): Account {
  const employeeId = u.externalIds?.find((x) => x.type === 'organization' && x.value)?.value ?? null;
  return {
    kind: 'account',
    key: u.id,
    source,
    externalId: u.id,
    username: u.primaryEmail,
    email: u.primaryEmail,
    displayName: u.name?.fullName || u.primaryEmail,
    // Suspended and archived users cannot sign in.
    enabled: u.suspended !== true && u.archived !== true,
    // The Directory has no guest or service-account users; non-human accounts are named in config.
    vendorType: 'member',
    createdAt: time(u.creationTime),
    signIn: signInOf(u.lastLoginTime),
    employeeId,
    hireDate: null,
    leaveDate: null,
    attributes: {
      isAdmin: u.isAdmin ?? null,
      isDelegatedAdmin: u.isDelegatedAdmin ?? null,
      suspended: u.suspended ?? null,
      suspensionReason: u.suspensionReason ?? null,
      archived: u.archived ?? null,
      orgUnitPath: u.orgUnitPath ?? null,
      customerId: u.customerId ?? null,
      changePasswordAtNextLogin: u.changePasswordAtNextLogin ?? null,
      isMailboxSetup: u.isMailboxSetup ?? null,
    },
  };
}

/** The partial response the 2SV stream asks for: four fields per user, nothing else. */
export const TWO_SV_FIELDS = 'users(id,primaryEmail,isEnrolledIn2Sv,isEnforcedIn2Sv),nextPageToken';

export const twoSvRecord = z.object({
  id: z.string().min(1),
  primaryEmail: z.string().nullish(),
  isEnrolledIn2Sv: z.boolean(),
  isEnforcedIn2Sv: z.boolean().nullish(),
});

/**
 * Google says whether 2-Step Verification is enrolled and enforced, not which methods (key,
 * authenticator, SMS): `methodsKnown: false`, so empty method lists read as "not reported".
 */
export function mapTwoSv(r: z.infer<typeof twoSvRecord>, source: EntitySource): MfaStatus {
  return {
    kind: 'mfa',
    key: r.id,
    source,
    accountKey: r.id,
    registered: r.isEnrolledIn2Sv,
    enforced: r.isEnforcedIn2Sv ?? null,
    methods: [],
    strongMethods: [],
    methodsKnown: false,
  };
}
