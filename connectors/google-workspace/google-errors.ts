import type { StreamFailure } from '../../src/core/stream-outcome.ts';

/**
 * Google's two error shapes: API errors `{"error":{"code","message","errors":[{reason}],"status"}}`
 * and OAuth token-endpoint errors `{"error":"unauthorized_client","error_description":"…"}`.
 */
export interface GoogleErrorInfo {
  reason: string | null;
  message: string | null;
}

export function readGoogleError(body: string): GoogleErrorInfo {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error === 'string') return { reason: parsed.error, message: typeof parsed.error_description === 'string' ? parsed.error_description : null };
    const e = parsed.error as { message?: unknown; status?: unknown; errors?: { reason?: unknown }[] } | undefined;
    const reason = e?.errors?.[0]?.reason ?? e?.status;
    return { reason: typeof reason === 'string' ? reason : null, message: typeof e?.message === 'string' ? e.message : null };
  } catch {
    return { reason: null, message: null };
  }
}

/** Quota errors Google sends as 403 (Directory API "Limits and quotas"); 429 is counted too. */
export const QUOTA_REASONS: ReadonlySet<string> = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded']);

export const DWD_PATH = 'Admin console → Security → Access and data control → API controls → Manage Domain Wide Delegation';

export interface FailureContext {
  /** The scope the failing call needed. */
  scope: string;
  /** What was being read, e.g. `users.list`. */
  what: string;
  adminEmail: string;
  clientId: string | null;
}

/** A final (post-retry) refusal from the token endpoint. */
export function classifyTokenFailure(status: number, body: string, f: FailureContext): StreamFailure {
  const err = readGoogleError(body);
  const said = err.reason ? `${err.reason}${err.message ? `: ${err.message}` : ''}` : `HTTP ${status}`;
  const client = f.clientId ? `client id ${f.clientId}` : "the service account's client id";
  if (status === 429 || status >= 500) {
    return { kind: status === 429 ? 'throttled' : 'transient', detail: `Google's token endpoint failed (${said}); usually temporary` };
  }
  if (err.reason === 'unauthorized_client') {
    return {
      kind: 'auth',
      detail: `Google refused a token for ${f.scope} (${said}): domain-wide delegation is not set up for ${client}, or does not list this scope; a super admin adds it under ${DWD_PATH}`,
      needs: f.scope,
    };
  }
  if (err.reason === 'invalid_grant') {
    return { kind: 'auth', detail: `Google refused the service account's signed assertion (${said}): check adminEmail (${f.adminEmail} must be an existing user), that the key is not deleted or disabled, and the clock` };
  }
  return { kind: 'auth', detail: `Google's token endpoint refused the service account (${said})` };
}

/** A final (post-retry) non-2xx Directory API response. */
export function classifyApiFailure(status: number, body: string, f: FailureContext): StreamFailure {
  const err = readGoogleError(body);
  const said = err.reason ? `${err.reason}${err.message ? `: ${err.message}` : ''}` : `HTTP ${status}`;
  if (status === 429 || (status === 403 && err.reason !== null && QUOTA_REASONS.has(err.reason))) {
    return { kind: 'throttled', detail: `${f.what}: Google kept refusing for quota after retries (HTTP ${status} ${said}); the Directory API allows 2,400 queries per minute per user per project; the next run will try again` };
  }
  if (status === 403 && err.reason === 'insufficientPermissions') {
    return { kind: 'denied', detail: `${f.what}: the access token lacks the scope (${said}); authorise ${f.scope} under ${DWD_PATH}`, needs: f.scope };
  }
  if (status === 403) {
    // The token carried the scope: what is missing is the impersonated admin's privilege.
    return {
      kind: 'denied',
      detail: `${f.what}: Google refused access (HTTP 403 ${said}); ${f.adminEmail} must be a super admin or hold an admin role with the privileges this API needs`,
      needs: `an admin role for ${f.adminEmail} allowing ${f.what.split(' ')[0]}`,
    };
  }
  if (status === 401) return { kind: 'auth', detail: `${f.what}: Google rejected the access token (HTTP 401 ${said})` };
  if (status >= 500) return { kind: 'transient', detail: `${f.what}: Google failed with HTTP ${status} ${said} after retries; usually temporary` };
  return { kind: 'invalid', detail: `${f.what}: Google answered HTTP ${status} ${said}` };
}
