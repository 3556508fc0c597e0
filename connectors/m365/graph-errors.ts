import type { StreamFailure } from '../../src/core/stream-outcome.ts';

/** Graph's error body: `{"error":{"code":"…","message":"…"}}`. */
export interface GraphErrorInfo {
  code: string | null;
  message: string | null;
}

export function readGraphError(body: string): GraphErrorInfo {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : null;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : null;
    return { code, message };
  } catch {
    return { code: null, message: null };
  }
}

/**
 * Graph codes that mean "this tenant lacks the licence", as opposed to "this app lacks the
 * permission": the first needs a purchase, the second an admin consent, so they read differently.
 */
const UNLICENSED_CODES = new Set([
  'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
  'AadPremiumLicenseRequired',
  'Authentication_RequestFromUnsupportedUserRole',
]);

function mentionsLicence(message: string | null): boolean {
  return message !== null && /premium licen[cs]e|P1|P2|licen[cs]e (is )?required/i.test(message);
}

/**
 * Turns a final (post-retry) non-2xx Graph response into a stream failure.
 * `needs` names the permission that endpoint requires, so a denial says what to grant.
 */
export function classifyGraphFailure(status: number, body: string, needs: { permission: string; licence?: string }): StreamFailure {
  const err = readGraphError(body);
  const said = err.code ? `${err.code}${err.message ? `: ${err.message}` : ''}` : `HTTP ${status}`;
  // PIM answers a missing P2 licence with 400 AadPremiumLicenseRequired, not 403 (maester365/maester#1421),
  // so a licence code counts whatever the 4xx status; the wording alone only with a 403.
  const licenceCode = status >= 400 && status < 500 && UNLICENSED_CODES.has(err.code ?? '');
  if (licenceCode || (status === 403 && mentionsLicence(err.message))) {
    return { kind: 'unlicensed', detail: `the tenant has no licence for this data (${said})`, needs: needs.licence ?? 'Microsoft Entra ID P1 or P2' };
  }
  if (status === 403) {
    return { kind: 'denied', detail: `Graph refused access (${said}); grant the application permission and admin consent`, needs: needs.permission };
  }
  if (status === 401) return { kind: 'auth', detail: `Graph rejected the access token (${said})` };
  if (status === 429) return { kind: 'throttled', detail: `Graph kept throttling after retries (${said}); the next run will try again` };
  if (status >= 500) return { kind: 'transient', detail: `Graph failed with ${said}; usually temporary` };
  return { kind: 'invalid', detail: `Graph answered ${said}` };
}
