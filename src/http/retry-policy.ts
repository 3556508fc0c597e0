import { AgentError } from '../core/errors.ts';

/**
 * The retry DECISION, kept pure (no I/O, no clock, no randomness unless injected) so one table-driven
 * test pins down every case (Nango style). The loop that sleeps and re-sends lives in
 * `request-with-retry.ts`.
 */

/** `Headers` (fetch/undici) or a plain record such as node's `IncomingHttpHeaders`. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What one attempt produced: an HTTP status (with headers and a vendor error code), or a transport error. */
export interface AttemptOutcome {
  /** HTTP status; absent when no response arrived. */
  status?: number;
  headers?: HeadersLike;
  /** Transport error code: `ECONNRESET`, `ETIMEDOUT`, `UND_ERR_SOCKET`, `AbortError`, … */
  errorCode?: string;
  /** The vendor's own error code from the body: Google `userRateLimitExceeded`, AWS `Throttling`, … */
  vendorCode?: string;
  /** Bytes of body received, for the counters. */
  bytes?: number;
}

/** Why an attempt is (or is not) retried. The first five are the transient kinds. */
export type RetryReason =
  | 'throttled'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'quota'
  | 'not_retryable'
  | 'attempts_exhausted'
  | 'retry_after_too_long';
export type TransientKind = Extract<RetryReason, 'throttled' | 'server_error' | 'network' | 'timeout' | 'quota'>;

export interface RetryDecision {
  retry: boolean;
  reason: RetryReason;
  /**
   * How long to wait before the next attempt. When not retrying because of `retry_after_too_long`
   * (or `attempts_exhausted` with a header), the wait the server asked for, so it can be reported.
   */
  waitMs: number;
}

export interface RetryPolicy {
  /**
   * Attempts in total, the first one included.
   * @default 5
   */
  readonly maxAttempts: number;
  /**
   * First backoff ceiling when the server gives no wait; doubles each attempt (full jitter: the
   * actual wait is uniform in [0, ceiling)).
   * @default 1000
   */
  readonly baseDelayMs: number;
  /**
   * Cap on the backoff ceiling. Does not cap a wait the server asked for (see `maxRetryAfterMs`).
   * @default 60_000
   */
  readonly maxDelayMs: number;
  /**
   * A server-requested wait (Retry-After, x-ms-retry-after-ms, rate-limit reset) longer than this is
   * not waited for: the request fails as `throttled` and the stream records it, so one run can't hang
   * for an hour behind a quota.
   * @default 120_000
   */
  readonly maxRetryAfterMs: number;
  /**
   * Statuses retried. 500 is included: Graph documents it as sometimes transient, Google's backendError
   * is a 500 its own client retries, and AWS's standard retry mode retries it; a permanent 500 costs at
   * most `maxAttempts - 1` backoffs. 408 is included as a timeout (Google's client retries it).
   * @default [408, 429, 500, 502, 503, 504]
   */
  readonly retryStatuses: readonly number[];
  /**
   * Vendor error codes that mean "slow down" whatever the status: Google sends quota errors as 403,
   * AWS sends `Throttling` as 400. Compared exactly (case-sensitive, as the vendors spell them).
   * @default ['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded']
   */
  readonly retryVendorCodes: readonly string[];
}

export const DEFAULT_RETRY_STATUSES: readonly number[] = Object.freeze([408, 429, 500, 502, 503, 504]);
export const DEFAULT_RETRY_VENDOR_CODES: readonly string[] = Object.freeze([
  'userRateLimitExceeded',
  'rateLimitExceeded',
  'quotaExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/** Transport errors worth another try: the connection dropped or could not be made right now. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN', // DNS "try again"; ENOTFOUND is left out: a mistyped host does not fix itself
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
/**
 * Transport errors that mean the attempt took too long. `AbortError` is here because the loop checks
 * the run's own signal first: an abort that is not the run's is a per-attempt timeout.
 */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TimeoutError',
  'AbortError',
]);

export const DEFAULT_RETRY_POLICY: RetryPolicy = createRetryPolicy();

/** Every field defaulted and checked; errors say what was expected and what was got. */
export function createRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = {
    maxAttempts: partial.maxAttempts ?? 5,
    baseDelayMs: partial.baseDelayMs ?? 1000,
    maxDelayMs: partial.maxDelayMs ?? 60_000,
    maxRetryAfterMs: partial.maxRetryAfterMs ?? 120_000,
    retryStatuses: Object.freeze([...(partial.retryStatuses ?? DEFAULT_RETRY_STATUSES)]),
    retryVendorCodes: Object.freeze([...(partial.retryVendorCodes ?? DEFAULT_RETRY_VENDOR_CODES)]),
  };
  checkInt('maxAttempts', p.maxAttempts, 1, 100);
  checkInt('baseDelayMs', p.baseDelayMs, 0, 3_600_000);
  checkInt('maxDelayMs', p.maxDelayMs, p.baseDelayMs, 3_600_000);
  checkInt('maxRetryAfterMs', p.maxRetryAfterMs, 0, 86_400_000);
  for (const s of p.retryStatuses) {
    if (!Number.isInteger(s) || s < 400 || s > 599) throw expected('retryStatuses', 'HTTP statuses from 400 to 599', s);
  }
  for (const c of p.retryVendorCodes) {
    if (typeof c !== 'string' || c === '') throw expected('retryVendorCodes', 'non-empty strings', c);
  }
  return Object.freeze(p);
}

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw expected(name, `an integer from ${min} to ${max}`, value);
  }
}

function expected(name: string, what: string, got: unknown): AgentError {
  return new AgentError('internal', `Expected \`${name}\` to be ${what}, got \`${String(got)}\` (${typeof got})`);
}

/** Reads one header from either shape, case-insensitively; a repeated header gives its first value. */
export function headerValue(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return typeof v === 'string' ? v : v[0];
  }
  return undefined;
}

/** A 2xx/3xx answer with no transport error and no "slow down" vendor code (some APIs throttle with 200). */
export function isSuccess(outcome: AttemptOutcome, policy: RetryPolicy = DEFAULT_RETRY_POLICY): boolean {
  if (outcome.errorCode !== undefined || outcome.status === undefined) return false;
  if (outcome.vendorCode !== undefined && policy.retryVendorCodes.includes(outcome.vendorCode)) return false;
  return outcome.status >= 200 && outcome.status < 400;
}

/** Which transient kind an outcome is, or null when trying again would get the same answer. */
export function classifyOutcome(outcome: AttemptOutcome, policy: RetryPolicy = DEFAULT_RETRY_POLICY): TransientKind | null {
  const { status, errorCode, vendorCode } = outcome;
  if (vendorCode !== undefined && policy.retryVendorCodes.includes(vendorCode)) {
    // 'quota' marks the Google case, a 403 that is really a quota; AWS's 400 Throttling is plain throttling.
    return status === 403 ? 'quota' : 'throttled';
  }
  if (status === undefined) {
    if (errorCode === undefined) return null;
    if (TIMEOUT_ERROR_CODES.has(errorCode)) return 'timeout';
    if (NETWORK_ERROR_CODES.has(errorCode)) return 'network';
    return null;
  }
  // GitHub's rate limits answer 403 with retry-after or x-ratelimit-remaining: 0; a plain 403 is a denial.
  if (status === 403 && isRateLimited403(outcome.headers)) return 'throttled';
  if (!policy.retryStatuses.includes(status)) return null;
  if (status === 429) return 'throttled';
  if (status === 408) return 'timeout';
  return 'server_error';
}

function isRateLimited403(headers: HeadersLike | undefined): boolean {
  if (headerValue(headers, 'retry-after') !== undefined) return true;
  const remaining = headerValue(headers, 'x-ratelimit-remaining') ?? headerValue(headers, 'x-rate-limit-remaining');
  return remaining !== undefined && remaining.trim() === '0';
}

/**
 * The wait the server asked for, in ms, or undefined when it did not say (or said it unreadably).
 * Precedence: `x-ms-retry-after-ms` (Graph, most precise), `Retry-After` (delta-seconds or HTTP-date),
 * then, for throttling only, the rate-limit reset headers (GitHub `x-ratelimit-reset`, Okta
 * `x-rate-limit-reset`, IETF `ratelimit-reset`). Reset values above 1e9 are epoch seconds
 * (GitHub/Okta); smaller ones are delta-seconds (the IETF draft) — 1e9 s of delta would be 31 years.
 */
export function serverWaitMs(outcome: AttemptOutcome, throttled: boolean, now: () => number = Date.now): number | undefined {
  const h = outcome.headers;
  const ms = headerValue(h, 'x-ms-retry-after-ms');
  if (ms !== undefined && /^\s*\d+\s*$/.test(ms)) return Number(ms);
  const ra = headerValue(h, 'retry-after');
  if (ra !== undefined) {
    const parsed = parseRetryAfter(ra, now);
    if (parsed !== undefined) return parsed;
  }
  if (!throttled) return undefined;
  for (const name of ['x-ratelimit-reset', 'x-rate-limit-reset', 'ratelimit-reset']) {
    const v = headerValue(h, name);
    if (v === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(v)) continue;
    const n = Number(v);
    return n > 1e9 ? Math.max(0, Math.ceil(n * 1000 - now())) : Math.ceil(n * 1000);
  }
  return undefined;
}

function parseRetryAfter(value: string, now: () => number): number | undefined {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  // HTTP-date has a weekday and "GMT"; Date.parse accepts IMF-fixdate, RFC 850 and asctime forms.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil(at - now()));
}

/** Exponential backoff with full jitter (AWS architecture blog): uniform in [0, min(max, base·2^(n-1))). */
export function backoffMs(n: number, policy: RetryPolicy, rand: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  const r = Math.min(Math.max(rand(), 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * Decides whether to send again after attempt `n` (1-based: attempts made so far) and how long to
 * wait first. A successful outcome is `not_retryable`; callers check `isSuccess` first.
 */
export function decideRetry(
  attempt: AttemptOutcome,
  n: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  rand: () => number = Math.random,
  now: () => number = Date.now,
): RetryDecision {
  if (!Number.isInteger(n) || n < 1) throw expected('n', 'a positive integer (attempts so far, 1-based)', n);
  if (isSuccess(attempt, policy)) return { retry: false, reason: 'not_retryable', waitMs: 0 };
  const kind = classifyOutcome(attempt, policy);
  if (kind === null) return { retry: false, reason: 'not_retryable', waitMs: 0 };
  const asked = serverWaitMs(attempt, kind === 'throttled' || kind === 'quota', now);
  if (n >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted', waitMs: asked ?? 0 };
  if (asked !== undefined && asked > policy.maxRetryAfterMs) return { retry: false, reason: 'retry_after_too_long', waitMs: asked };
  return { retry: true, reason: kind, waitMs: asked ?? backoffMs(n, policy, rand) };
}
