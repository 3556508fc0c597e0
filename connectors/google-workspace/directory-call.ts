import type { admin_directory_v1 } from '@googleapis/admin';
import { AgentError } from '../../src/core/errors.ts';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { classifyApiFailure, classifyTokenFailure, type FailureContext } from './google-errors.ts';
import { SCOPES, type ScopeKey } from './permissions.ts';
import type { GoogleSession } from './session.ts';

/** One raw response (API or token endpoint), kept as evidence, with its JSON when it was a 2xx. */
export interface RawPage {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  receivedAt: string;
  /** The parsed object of a successful response; `null` when it failed or was not a JSON object. */
  json: Record<string, unknown> | null;
  /** Set when this response cannot be used (error status, bad JSON, paging loop…). */
  failure: StreamFailure | null;
  /** The answer came from the token endpoint (the call itself was never made). */
  fromTokenEndpoint: boolean;
}

/** What the SDK resolves with (and what a GaxiosError carries as `response`). */
interface SdkResponse {
  status: number;
  data: unknown;
  headers?: unknown;
  config?: { url?: unknown; method?: unknown };
}

/** Options for every API call: the body is kept as the exact text Google sent. */
export const RAW = { responseType: 'text' } as const;

export type DirectoryClient = admin_directory_v1.Admin;
export type DirectoryCall = (client: DirectoryClient) => Promise<SdkResponse>;

/**
 * One Directory API call through the SDK for `scope`. Whatever Google answers becomes a RawPage:
 * a refused token (the token endpoint's body), an API error (its body), or the data. Only a
 * failure with no answer at all (network, abort, foreign origin) is thrown, as an AgentError.
 */
export async function callDirectory(session: GoogleSession, scope: ScopeKey, what: string, call: DirectoryCall, now: () => Date): Promise<RawPage> {
  const page = await callOnce(session, scope, what, call, now);
  // A 401 from the API (not the token endpoint) mid-paging: the token expired or was revoked
  // early. One new token and one more try; a second 401 stands and is recorded as `auth`.
  if (page.status !== 401 || page.fromTokenEndpoint) return page;
  session.dropToken(scope);
  return callOnce(session, scope, what, call, now);
}

async function callOnce(session: GoogleSession, scope: ScopeKey, what: string, call: DirectoryCall, now: () => Date): Promise<RawPage> {
  const refused = await authorizePage(session, scope, what, now);
  if (refused) return refused;
  let res: SdkResponse;
  try {
    res = await call(session.directory(scope));
  } catch (e) {
    const response = responseOf(e);
    if (!response) throw unwrap(e, what, 'http_failed');
    res = response;
  }
  const page = toPage(res, now);
  // The token can also expire and be refused between the up-front check and the call.
  if (isTokenEndpoint(page.url, session)) return tokenPage(page, session, scope, what);
  if (page.status < 200 || page.status >= 300) return { ...page, failure: classifyApiFailure(page.status, page.body, failureContext(session, scope, what)) };
  try {
    const json: unknown = JSON.parse(page.body);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object');
    return { ...page, json: json as Record<string, unknown> };
  } catch (e) {
    return { ...page, failure: { kind: 'invalid', detail: `${what}: Google's answer was not understood (${(e as Error).message})` } };
  }
}

/** Gets (or reuses) the token for `scope`: `null` when Google issued it, else its refusal as a page. */
export async function authorizePage(session: GoogleSession, scope: ScopeKey, what: string, now: () => Date): Promise<RawPage | null> {
  try {
    await session.authorize(scope);
    return null;
  } catch (e) {
    const response = responseOf(e);
    // No answer and not from gaxios: the key itself could not sign the assertion.
    if (!response) throw unwrap(e, what, (e as { config?: unknown }).config === undefined ? 'auth_failed' : 'http_failed');
    return tokenPage(toPage(response, now), session, scope, what);
  }
}

function failureContext(session: GoogleSession, scope: ScopeKey, what: string): FailureContext {
  return { scope: SCOPES[scope], what, adminEmail: session.adminEmail, clientId: session.account.clientId };
}

function tokenPage(page: RawPage, session: GoogleSession, scope: ScopeKey, what: string): RawPage {
  return { ...page, method: 'POST', fromTokenEndpoint: true, failure: classifyTokenFailure(page.status, page.body, failureContext(session, scope, what)) };
}

function responseOf(e: unknown): SdkResponse | undefined {
  const response = (e as { response?: SdkResponse } | null)?.response;
  return response && typeof response.status === 'number' ? response : undefined;
}

function toPage(res: SdkResponse, now: () => Date): RawPage {
  // API calls ask for text; the token endpoint's JSON is parsed by gtoken, so it is re-serialised.
  const body = typeof res.data === 'string' ? res.data : JSON.stringify(res.data ?? null, null, 2);
  return {
    method: typeof res.config?.method === 'string' ? res.config.method : 'GET',
    url: String(res.config?.url ?? ''),
    status: res.status,
    contentType: header(res.headers, 'content-type'),
    body,
    receivedAt: now().toISOString(),
    json: null,
    failure: null,
    fromTokenEndpoint: false,
  };
}

function isTokenEndpoint(url: string, session: GoogleSession): boolean {
  try {
    const u = new URL(url);
    const t = new URL(session.endpoints.token);
    return u.origin === t.origin && u.pathname === t.pathname;
  } catch {
    return false;
  }
}

/** Headers arrive as a `Headers` (errors) or a plain record (googleapis-common marshals responses). */
function header(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : null;
}

/**
 * gaxios wraps whatever the transport threw (our AgentError: `aborted`, `foreign_origin`, or the
 * HttpRequestError after retries on network errors) as the GaxiosError's `cause`. The original
 * keeps its code so the collector classifies it; anything else is reported without the error
 * object, whose config may hold the signed assertion.
 */
function unwrap(e: unknown, what: string, code: 'auth_failed' | 'http_failed'): AgentError {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof AgentError) return cur;
  }
  const errCode = (e as { code?: unknown }).code;
  const why = typeof errCode === 'string' ? errCode : ((e as Error).message?.split('\n')[0] ?? 'unknown error');
  return code === 'auth_failed'
    ? new AgentError('auth_failed', `${what}: the service account key could not sign the token request (${why})`)
    : new AgentError('http_failed', `${what}: request to Google failed without an answer (${why})`);
}
