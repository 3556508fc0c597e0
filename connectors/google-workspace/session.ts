import { admin, type admin_directory_v1 } from '@googleapis/admin';
import { JWT } from 'google-auth-library';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { GoogleWorkspaceConfig } from './config-schema.ts';
import { SCOPES, type ScopeKey } from './permissions.ts';
import { parseServiceAccountKey, type ServiceAccount } from './service-account.ts';
import { createTransport, GOOGLE_DIRECTORY_ROOT, GOOGLE_TOKEN_URL, type GoogleEndpoints } from './transport.ts';

export interface GoogleSession {
  endpoints: GoogleEndpoints;
  account: ServiceAccount;
  adminEmail: string;
  /** The Directory client whose token carries exactly `scope`. */
  directory(scope: ScopeKey): admin_directory_v1.Admin;
  /** Gets (or reuses) the access token for `scope`; rejects with the token endpoint's refusal. */
  authorize(scope: ScopeKey): Promise<void>;
  /**
   * Forgets the token for `scope`, so the next call gets a new one. The JWT client keeps a token
   * until its own clock says it expired and does not refresh on a 401 (google-auth-library only
   * does without an expiry date); Google may revoke it sooner.
   */
  dropToken(scope: ScopeKey): void;
  close(): Promise<void>;
}

export function resolveEndpoints(config: GoogleWorkspaceConfig): GoogleEndpoints {
  return { directory: config.endpoints.directory ?? GOOGLE_DIRECTORY_ROOT, token: config.endpoints.token ?? GOOGLE_TOKEN_URL };
}

/**
 * One JWT client per scope, each asking for that scope alone. Google refuses a token request
 * outright when any one of its scopes is missing from the domain-wide delegation entry; with a
 * token per scope, a missing `user.security` costs the tokens stream only, and `check()` can name
 * exactly which scope an admin still has to authorise.
 */
export async function createSession(ctx: ConnectorContext<GoogleWorkspaceConfig>): Promise<GoogleSession> {
  const { config } = ctx;
  const endpoints = resolveEndpoints(config);
  // Read at the last moment through the resolver, which remembers it so logs can scrub it.
  const keyText = await ctx.secrets.resolve(config.serviceAccountKey, `${ctx.instance} service account key`);
  const account = parseServiceAccountKey(keyText, `${ctx.instance} service account key`);
  const transport = createTransport(ctx.http, ctx.signal, ctx.log, endpoints);
  const jwts = new Map<ScopeKey, JWT>();
  const clients = new Map<ScopeKey, admin_directory_v1.Admin>();
  const jwtFor = (scope: ScopeKey): JWT => {
    let jwt = jwts.get(scope);
    if (!jwt) {
      jwt = new JWT({
        email: account.clientEmail,
        key: account.privateKey,
        ...(account.privateKeyId ? { keyId: account.privateKeyId } : {}),
        scopes: [SCOPES[scope]],
        subject: config.adminEmail,
        transporterOptions: transport.options,
      });
      jwts.set(scope, jwt);
    }
    return jwt;
  };
  return {
    endpoints,
    account,
    adminEmail: config.adminEmail,
    directory(scope) {
      let client = clients.get(scope);
      if (!client) {
        // `retry: false`: googleapis-common would otherwise turn gaxios' retries on for every call.
        client = admin({ version: 'directory_v1', rootUrl: endpoints.directory, auth: jwtFor(scope), retry: false });
        clients.set(scope, client);
      }
      return client;
    },
    async authorize(scope) {
      await jwtFor(scope).getAccessToken();
    },
    dropToken(scope) {
      jwts.delete(scope);
      clients.delete(scope);
    },
    close: () => transport.close(),
  };
}

/**
 * The streams of one connector instance share one session, made on first use so that a missing or
 * malformed key fails the streams (recorded) rather than the whole run.
 */
export function lazySession(ctx: ConnectorContext<GoogleWorkspaceConfig>): () => Promise<GoogleSession> {
  let session: Promise<GoogleSession> | undefined;
  return () => {
    session ??= createSession(ctx).then((s) => {
      ctx.defer(() => s.close());
      return s;
    });
    return session;
  };
}
