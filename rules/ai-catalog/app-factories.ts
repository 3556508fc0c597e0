import type { App, AppGrant, EntitySource } from '../../src/core/model.ts';
import { createSource } from '../../src/evaluate/test-factories.ts';

/**
 * `createApp` / `createAppGrant` test factories with a default for every field, in the style of
 * src/evaluate/test-factories.ts (kept here because that file belongs to the engine). Deterministic:
 * keys derive from the given names. Test-only: nothing outside tests imports this file.
 */

type WithInstance<T> = Partial<T> & { instance?: string };

function sourceOf(partial: { source?: EntitySource; instance?: string }): EntitySource {
  if (partial.source) return partial.source;
  return partial.instance ? createSource({ instance: partial.instance }) : createSource();
}

/** Defaults to an enabled third-party Entra service principal "Example App" with no publisher or URLs. */
export function createApp(partial: WithInstance<App> = {}): App {
  const { instance: _instance, ...rest } = partial;
  const displayName = partial.displayName ?? 'Example App';
  const key = partial.key ?? `sp-${displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return {
    kind: 'app',
    key,
    source: sourceOf(partial),
    externalId: key,
    appId: null,
    displayName,
    publisher: null,
    ownerTenantId: null,
    firstParty: false,
    enabled: true,
    homepage: null,
    replyUrls: [],
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    ...rest,
  };
}

/** Defaults to one user's delegated consent (`user@contoso.com`) to "Example App" for `User.Read`. */
export function createAppGrant(partial: WithInstance<AppGrant> = {}): AppGrant {
  const { instance: _instance, ...rest } = partial;
  const appKey = partial.appKey ?? 'sp-example-app';
  const consentType = partial.consentType ?? 'principal';
  const principalKey = partial.principalKey === undefined ? (consentType === 'principal' ? 'user@contoso.com' : null) : partial.principalKey;
  return {
    kind: 'app_grant',
    key: partial.key ?? `${appKey}/${consentType}/${principalKey ?? 'tenant'}`,
    source: sourceOf(partial),
    appKey,
    grantType: consentType === 'application' ? 'application' : 'delegated',
    consentType,
    principalKey,
    resourceKey: 'sp-graph',
    resourceName: 'Microsoft Graph',
    scopes: ['User.Read'],
    createdAt: null,
    ...rest,
  };
}

/** A Google Workspace token, keyed and named as connectors/google-workspace/map-tokens.ts does. */
export function createGoogleToken(partial: { clientId: string; displayText: string | null; userId?: string; scopes?: string[]; instance?: string }): AppGrant {
  const userId = partial.userId ?? '100000000000000000001';
  return createAppGrant({
    key: `${userId}:${partial.clientId}`,
    source: createSource({ connector: 'google-workspace', instance: partial.instance ?? 'gws-main' }),
    appKey: `oauth-client:${partial.clientId}`,
    principalKey: userId,
    resourceKey: null,
    resourceName: null,
    scopes: partial.scopes ?? ['openid', 'https://www.googleapis.com/auth/userinfo.email'],
    appDisplayName: partial.displayText,
  });
}
