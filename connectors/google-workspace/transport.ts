import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import type { gaxios } from 'google-auth-library';
import type { HttpContext } from '../../src/http/http-context.ts';
import { assertSameOrigin } from '../../src/http/origin-guard.ts';
import { requestWithRetry, type RetryLog } from '../../src/http/request-with-retry.ts';
import type { AttemptOutcome } from '../../src/http/retry-policy.ts';

/** Google's fixed endpoints; both can be overridden in config (`endpoints`). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GOOGLE_DIRECTORY_ROOT = 'https://admin.googleapis.com/';
/** Pacing family (src/http/pacer.ts): 2,400 queries per minute per user per project. */
export const FAMILY = 'google-directory';

export interface GoogleEndpoints {
  /** Root URL for `@googleapis/admin` (`rootUrl`), with a trailing slash. */
  directory: string;
  /** Where the service-account JWT is exchanged for an access token. */
  token: string;
}

export interface Transport {
  /** `transporterOptions` for every JWT client: all their HTTP, token requests included, goes through here. */
  options: gaxios.GaxiosOptions;
  close(): Promise<void>;
}

/**
 * Every request the Google clients make (API calls and token exchanges) goes through one gaxios
 * adapter that:
 * - sends the token request to `endpoints.token`: gtoken's URL is fixed to Google's
 *   (google-auth-library 10.5 has no option for it), so the adapter rewrites it;
 * - refuses any other origin than the two configured ones, so no token or assertion goes elsewhere;
 * - turns gaxios' own retries off and runs each attempt through `requestWithRetry`: our pacing,
 *   counters and retry policy apply, including Google's 403 `userRateLimitExceeded` /
 *   `quotaExceeded`, which gaxios would not retry (it retries 408/429/5xx only);
 * - hands the last response back when retries end, so gaxios raises it as a GaxiosError with the
 *   body, which the streams store as evidence;
 * - sends through undici with the run's extra CA and timeouts, not the process-wide agent.
 */
export function createTransport(http: HttpContext, signal: AbortSignal, log: RetryLog, endpoints: GoogleEndpoints): Transport {
  const dispatcher = new Agent({
    headersTimeout: http.timeoutMs ?? 60_000,
    bodyTimeout: http.timeoutMs ?? 60_000,
    ...(http.ca ? { connect: { ca: [...rootCertificates, http.ca] } } : {}),
  });
  const fetcher = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(String(input), {
      method: init?.method ?? 'GET',
      headers: init?.headers as Record<string, string> | undefined,
      body: init?.body as string | undefined,
      signal: init?.signal ?? null,
      dispatcher,
      redirect: 'manual',
    })) as unknown as typeof fetch;
  const tokenOrigin = new URL(endpoints.token).origin;

  const route = (raw: string): string => {
    const target = raw === GOOGLE_TOKEN_URL ? endpoints.token : raw;
    if (new URL(target).origin === tokenOrigin) return target;
    return assertSameOrigin(target, endpoints.directory).toString();
  };

  const adapter = async (opts: gaxios.GaxiosOptionsPrepared, defaultAdapter: (o: gaxios.GaxiosOptionsPrepared) => Promise<gaxios.GaxiosResponse>) => {
    opts.url = new URL(route(String(opts.url)));
    // gtoken asks gaxios to retry POSTs via `retryConfig`; the policy below decides instead.
    opts.retry = false;
    delete opts.retryConfig;
    let last: gaxios.GaxiosResponse | undefined;
    try {
      return await requestWithRetry(
        FAMILY,
        async (attemptSignal) => {
          last = undefined;
          const res = await defaultAdapter({ ...opts, signal: attemptSignal, fetchImplementation: fetcher });
          last = res;
          return { outcome: outcomeOf(res), value: res };
        },
        { ...http, signal, log },
      );
    } catch (e) {
      // A final HTTP answer (403 forbidden, exhausted quota…) is evidence; an abort is not.
      if (last && !signal.aborted) return last;
      throw e;
    }
  };

  return {
    options: { retry: false, adapter: adapter as unknown as gaxios.GaxiosOptions['adapter'] },
    close: () => dispatcher.close(),
  };
}

/** Status, headers and Google's error reason (`error.errors[0].reason`, or the OAuth `error`). */
function outcomeOf(res: gaxios.GaxiosResponse): AttemptOutcome {
  const data: unknown = res.data;
  const outcome: AttemptOutcome = { status: res.status, headers: res.headers };
  if (typeof data === 'string') outcome.bytes = Buffer.byteLength(data);
  if (res.status >= 400) {
    const code = vendorCodeOf(data);
    if (code !== undefined) outcome.vendorCode = code;
  }
  return outcome;
}

export function vendorCodeOf(data: unknown): string | undefined {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  const reason = (error as { errors?: { reason?: unknown }[] } | undefined)?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}
