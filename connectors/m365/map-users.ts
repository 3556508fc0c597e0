import { z } from 'zod';
import type { Account, EntitySource } from '../../src/core/model.ts';

/** The `$select` the users stream asks for; Graph returns only a small default set without it. */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'mail',
  'displayName',
  'accountEnabled',
  'userType',
  'createdDateTime',
  'employeeId',
  'employeeType',
  'employeeHireDate',
  'employeeLeaveDateTime',
  'onPremisesSyncEnabled',
  'externalUserState',
] as const;

const when = z.string().nullish();

export const graphUser = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  mail: z.string().nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  userType: z.string().nullish(),
  createdDateTime: when,
  employeeId: z.string().nullish(),
  employeeType: z.string().nullish(),
  employeeHireDate: when,
  employeeLeaveDateTime: when,
  onPremisesSyncEnabled: z.boolean().nullish(),
  externalUserState: z.string().nullish(),
  signInActivity: z
    .object({
      lastSignInDateTime: when,
      lastNonInteractiveSignInDateTime: when,
      lastSuccessfulSignInDateTime: when,
    })
    .nullish(),
});
export type GraphUser = z.infer<typeof graphUser>;

/** Graph writes "never" as null or, in older records, as the zero date. */
function time(value: string | null | undefined): string | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * `signInSelected`: whether this page was asked for sign-in activity. When it was, a user with no
 * `signInActivity` object has never signed in (Graph omits it then); when it was not, sign-in
 * data is unknown and stays `null` so no rule mistakes it for "never".
 */
export function mapUser(u: GraphUser, source: EntitySource, signInSelected: boolean): Account {
  const guest = u.userType === 'Guest' || u.userPrincipalName.includes('#EXT#');
  const sia = u.signInActivity;
  return {
    kind: 'account',
    key: u.id,
    source,
    externalId: u.id,
    username: u.userPrincipalName,
    email: u.mail ?? null,
    displayName: u.displayName ?? u.userPrincipalName,
    // accountEnabled is always returned when selected; a missing value is not taken as "disabled".
    enabled: u.accountEnabled !== false,
    vendorType: guest ? 'guest' : u.userType === 'Member' || u.userType == null ? 'member' : 'unknown',
    createdAt: time(u.createdDateTime),
    signIn: signInSelected
      ? {
          lastSuccessfulAt: time(sia?.lastSuccessfulSignInDateTime),
          lastInteractiveAt: time(sia?.lastSignInDateTime),
          lastNonInteractiveAt: time(sia?.lastNonInteractiveSignInDateTime),
        }
      : null,
    employeeId: u.employeeId ?? null,
    hireDate: time(u.employeeHireDate),
    leaveDate: time(u.employeeLeaveDateTime),
    attributes: {
      userType: u.userType ?? null,
      employeeType: u.employeeType ?? null,
      onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
      externalUserState: u.externalUserState ?? null,
      accountEnabledReported: u.accountEnabled ?? null,
    },
  };
}
