import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * A credential that can be told its token was refused. @azure/identity caches a token until its own
 * clock says it expired, and offers no way to drop it; Graph may refuse it earlier (revoked, clock
 * skew, a tenant-wide token revocation). `invalidate()` drops the whole inner credential, so the next
 * `getToken` builds a fresh one, whose empty cache makes it ask the authority again.
 */
export class RefreshableCredential implements TokenCredential {
  #inner: Promise<TokenCredential> | undefined;
  /** Tokens fetched after an invalidation (for the run's record and tests). */
  refreshes = 0;

  constructor(private readonly build: () => Promise<TokenCredential>) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.#inner ??= this.build();
    return (await this.#inner).getToken(scopes, options);
  }

  invalidate(): void {
    this.#inner = undefined;
    this.refreshes += 1;
  }
}

function dropAuthorization(context: Context): void {
  const headers = context.options?.headers as Headers | [string, string][] | Record<string, string> | undefined;
  if (headers === undefined) return;
  if (headers instanceof Headers) headers.delete('Authorization');
  else if (Array.isArray(headers)) context.options!.headers = headers.filter(([k]) => k.toLowerCase() !== 'authorization');
  else for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
}

/**
 * Sits before the SDK's AuthenticationHandler. A 401 from Graph while paging usually means the
 * token expired (or was revoked) between pages: the credential is refreshed once and the same
 * request sent again with a new token. Only if that answer is a 401 too does the 401 stand, and the
 * stream records it as `auth`. Once per request, so a refused app never loops on the authority.
 */
export class TokenRefreshMiddleware implements Middleware {
  #next: Middleware | undefined;
  constructor(private readonly credential: RefreshableCredential) {}

  async execute(context: Context): Promise<void> {
    await this.#next!.execute(context);
    const res = context.response as Response | undefined;
    if (res?.status !== 401) return;
    this.credential.invalidate();
    dropAuthorization(context);
    context.response = undefined;
    await this.#next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}
