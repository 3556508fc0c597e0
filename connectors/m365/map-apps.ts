import { z } from 'zod';
import type { App, AppGrant, EntitySource } from '../../src/core/model.ts';
import { MICROSOFT_TENANT_IDS } from './clouds.ts';

export const SERVICE_PRINCIPAL_SELECT = 'id,appId,displayName,appOwnerOrganizationId,verifiedPublisher,servicePrincipalType,accountEnabled,homepage,replyUrls,tags,signInAudience';

export const graphServicePrincipal = z.object({
  id: z.string().min(1),
  appId: z.string().nullish(),
  displayName: z.string().nullish(),
  appOwnerOrganizationId: z.string().nullish(),
  verifiedPublisher: z.object({ displayName: z.string().nullish(), verifiedPublisherId: z.string().nullish() }).nullish(),
  servicePrincipalType: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  homepage: z.string().nullish(),
  replyUrls: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
});

export function mapServicePrincipal(sp: z.infer<typeof graphServicePrincipal>, source: EntitySource): App {
  const owner = sp.appOwnerOrganizationId ?? null;
  const publisher = sp.verifiedPublisher?.displayName ? { name: sp.verifiedPublisher.displayName, verifiedId: sp.verifiedPublisher.verifiedPublisherId ?? null } : null;
  return {
    kind: 'app',
    key: sp.id,
    source,
    externalId: sp.id,
    appId: sp.appId ?? null,
    displayName: sp.displayName ?? sp.appId ?? sp.id,
    publisher,
    ownerTenantId: owner,
    firstParty: owner !== null && MICROSOFT_TENANT_IDS.has(owner),
    enabled: sp.accountEnabled !== false,
    homepage: sp.homepage ?? null,
    replyUrls: sp.replyUrls ?? [],
    tags: sp.tags ?? [],
  };
}

export const graphDelegatedGrant = z.object({
  id: z.string().min(1),
  clientId: z.string().min(1),
  consentType: z.enum(['AllPrincipals', 'Principal']),
  principalId: z.string().nullish(),
  resourceId: z.string().nullish(),
  scope: z.string().nullish(),
});

/** A delegated grant's entity key, from its Graph id (delta reports removals by id only). */
export const delegatedGrantKey = (id: string) => `delegated:${id}`;

export function mapDelegatedGrant(g: z.infer<typeof graphDelegatedGrant>, source: EntitySource): AppGrant {
  return {
    kind: 'app_grant',
    key: delegatedGrantKey(g.id),
    source,
    // clientId is the client service principal's object id (not its appId).
    appKey: g.clientId,
    grantType: 'delegated',
    consentType: g.consentType === 'AllPrincipals' ? 'all_principals' : 'principal',
    principalKey: g.consentType === 'Principal' ? (g.principalId ?? null) : null,
    resourceKey: g.resourceId ?? null,
    resourceName: null,
    scopes: (g.scope ?? '').split(' ').filter((s) => s.length > 0),
    createdAt: null,
  };
}

export const graphAppRoleAssignment = z.object({
  id: z.string().min(1),
  appRoleId: z.string().min(1),
  createdDateTime: z.string().nullish(),
  principalId: z.string().min(1),
  principalType: z.string().nullish(),
  resourceId: z.string().min(1),
  resourceDisplayName: z.string().nullish(),
});

export const graphResourceRoles = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  appRoles: z.array(z.object({ id: z.string(), value: z.string().nullish() })).nullish(),
});

/** `roleValues`: appRoleId → permission name (e.g. `Mail.Read`) from the resource's app roles. */
export function mapAppRoleAssignment(a: z.infer<typeof graphAppRoleAssignment>, roleValues: ReadonlyMap<string, string>, source: EntitySource): AppGrant {
  const createdAt = a.createdDateTime ? new Date(a.createdDateTime) : null;
  return {
    kind: 'app_grant',
    key: `application:${a.id}`,
    source,
    appKey: a.principalId,
    grantType: 'application',
    consentType: 'application',
    principalKey: null,
    resourceKey: a.resourceId,
    resourceName: a.resourceDisplayName ?? null,
    // An unknown role id is kept verbatim rather than dropped: it is still a granted permission.
    scopes: [roleValues.get(a.appRoleId) ?? `appRole:${a.appRoleId}`],
    createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt.toISOString() : null,
  };
}
