import { z } from 'zod';
import type { AppGrant, EntitySource } from '../../src/core/model.ts';

export const directoryToken = z.object({
  clientId: z.string().min(1),
  displayText: z.string().nullish(),
  scopes: z.array(z.string()).nullish(),
  anonymous: z.boolean().nullish(),
  nativeApp: z.boolean().nullish(),
  userKey: z.string().nullish(),
});

/**
 * One user's consent to one OAuth client. Google lists grants without an app record, so the app is
 * keyed by its client id and named by the token's `displayText`. Google does not say when the
 * consent was given (`createdAt: null`) and scopes span several APIs (`resourceKey: null`).
 */
export function mapToken(t: z.infer<typeof directoryToken>, userId: string, source: EntitySource): AppGrant {
  return {
    kind: 'app_grant',
    key: `${userId}:${t.clientId}`,
    source,
    appKey: `oauth-client:${t.clientId}`,
    grantType: 'delegated',
    consentType: 'principal',
    principalKey: userId,
    resourceKey: null,
    resourceName: null,
    scopes: t.scopes ?? [],
    createdAt: null,
    appDisplayName: t.displayText ?? null,
  };
}
