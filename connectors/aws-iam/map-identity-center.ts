import { z } from 'zod';
import type { Account, EntitySource } from '../../src/core/model.ts';

/** An Identity Store user as the SDK returns it (timestamps already `Date`s). */
export const identityCenterUser = z.object({
  UserId: z.string().min(1),
  UserName: z.string().min(1).nullish(),
  DisplayName: z.string().nullish(),
  Name: z.object({ Formatted: z.string().nullish(), GivenName: z.string().nullish(), FamilyName: z.string().nullish() }).nullish(),
  Emails: z.array(z.object({ Value: z.string().nullish(), Type: z.string().nullish(), Primary: z.boolean().nullish() })).nullish(),
  UserStatus: z.string().nullish(),
  CreatedAt: z.date().nullish(),
});

/**
 * Identity Center has no last sign-in in its API, so `signIn` is `null` ("not collected", which
 * rules must not read as "never"). `UserStatus` (ENABLED/DISABLED) is recent; a store that does not
 * send it is taken as enabled, and `userStatusReported` says so.
 */
export function mapIdentityCenterUser(u: z.infer<typeof identityCenterUser>, storeId: string, source: EntitySource): Account {
  const emails = u.Emails ?? [];
  const email = (emails.find((e) => e.Primary && e.Value) ?? emails.find((e) => e.Value))?.Value ?? null;
  const username = u.UserName ?? email ?? u.UserId;
  return {
    kind: 'account',
    key: `identitystore:${storeId}/${u.UserId}`,
    source,
    externalId: u.UserId,
    username,
    email,
    displayName: u.DisplayName ?? u.Name?.Formatted ?? username,
    enabled: u.UserStatus !== 'DISABLED',
    vendorType: 'member',
    createdAt: u.CreatedAt ? u.CreatedAt.toISOString() : null,
    signIn: null,
    employeeId: null,
    hireDate: null,
    leaveDate: null,
    // The Identity Store API has no MFA data for these users, so no rule may read their MFA as "none".
    attributes: { identityStoreId: storeId, userStatusReported: u.UserStatus ?? null, mfaReported: false },
  };
}
