import { AuthenticationHandler, Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { TokenCredential } from '@azure/identity';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { M365Config } from './config-schema.ts';
import type { M365Endpoints } from './credential.ts';
import { FetchMiddleware, OriginGuardMiddleware, PacedRetryMiddleware } from './graph-middleware.ts';
import { RefreshableCredential, TokenRefreshMiddleware } from './token-refresh.ts';

export interface GraphSession {
  client: Client;
  endpoints: M365Endpoints;
  /** `https://host[:port]`: nextLinks are followed only to here. */
  origin: string;
  close(): Promise<void>;
}

/** One Graph client per connector instance and run; nothing is cached at module level. */
export function createGraphSession(ctx: ConnectorContext<M365Config>, credential: TokenCredential, endpoints: M365Endpoints): GraphSession {
  const origin = new URL(endpoints.graph).origin;
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [`${endpoints.graph}/.default`] });
  const guard = new OriginGuardMiddleware(origin);
  const auth = new AuthenticationHandler(authProvider);
  const retry = new PacedRetryMiddleware(ctx.http, ctx.signal);
  const fetcher = new FetchMiddleware(ctx.http.ca, ctx.http.timeoutMs ?? 60_000, ctx.signal);
  const client = Client.initWithMiddleware({
    baseUrl: endpoints.graph,
    // The SDK attaches the token only to hosts it knows; a custom Graph endpoint must be named.
    customHosts: new Set([new URL(endpoints.graph).hostname]),
    // A refreshable credential gets one new token when Graph refuses the current one (expired
    // mid-paging); after the origin guard, so a foreign URL never causes a token request.
    middleware: credential instanceof RefreshableCredential ? [guard, new TokenRefreshMiddleware(credential), auth, retry, fetcher] : [guard, auth, retry, fetcher],
  });
  return { client, endpoints, origin, close: () => fetcher.close() };
}
