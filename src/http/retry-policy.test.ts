import { describe, expect, it } from 'vitest';
import { AgentError } from '../core/errors.ts';
import {
  createRetryPolicy,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  headerValue,
  isSuccess,
  type AttemptOutcome,
  type RetryDecision,
} from './retry-policy.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const now = (): number => NOW;
const half = (): number => 0.5;
const policy = createRetryPolicy({ baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 120_000, maxAttempts: 5 });

interface Row {
  name: string;
  outcome: AttemptOutcome;
  /** Attempts so far (1-based). */
  n?: number;
  want: RetryDecision;
}

// rand = 0.5, so backoff without a header is 0.5 × min(60 s, 1 s × 2^(n-1)).
const rows: Row[] = [
  { name: '429 with Retry-After seconds', outcome: { status: 429, headers: { 'Retry-After': '7' } }, want: { retry: true, reason: 'throttled', waitMs: 7000 } },
  { name: '429 without Retry-After: jittered backoff', outcome: { status: 429 }, want: { retry: true, reason: 'throttled', waitMs: 500 } },
  { name: '429 without Retry-After, third attempt', outcome: { status: 429 }, n: 3, want: { retry: true, reason: 'throttled', waitMs: 2000 } },
  { name: '429 Retry-After as HTTP-date', outcome: { status: 429, headers: new Headers({ 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' }) }, want: { retry: true, reason: 'throttled', waitMs: 30_000 } },
  { name: '429 Retry-After date in the past', outcome: { status: 429, headers: { 'retry-after': 'Sat, 01 Mar 2025 11:00:00 GMT' } }, want: { retry: true, reason: 'throttled', waitMs: 0 } },
  { name: '429 Retry-After 0', outcome: { status: 429, headers: { 'retry-after': '0' } }, want: { retry: true, reason: 'throttled', waitMs: 0 } },
  { name: '429 Retry-After unreadable: backoff', outcome: { status: 429, headers: { 'retry-after': 'soon' } }, want: { retry: true, reason: 'throttled', waitMs: 500 } },
  { name: '429 Retry-After too long', outcome: { status: 429, headers: { 'retry-after': '3600' } }, want: { retry: false, reason: 'retry_after_too_long', waitMs: 3_600_000 } },
  { name: '429 Retry-After exactly the limit', outcome: { status: 429, headers: { 'retry-after': '120' } }, want: { retry: true, reason: 'throttled', waitMs: 120_000 } },
  { name: '429 x-ms-retry-after-ms wins over Retry-After', outcome: { status: 429, headers: { 'x-ms-retry-after-ms': '1500', 'retry-after': '2' } }, want: { retry: true, reason: 'throttled', waitMs: 1500 } },
  { name: '429 X-RateLimit-Reset epoch seconds (GitHub)', outcome: { status: 429, headers: { 'X-RateLimit-Reset': String(NOW / 1000 + 45) } }, want: { retry: true, reason: 'throttled', waitMs: 45_000 } },
  { name: '429 X-Rate-Limit-Reset epoch seconds (Okta)', outcome: { status: 429, headers: { 'x-rate-limit-reset': String(NOW / 1000 + 10) } }, want: { retry: true, reason: 'throttled', waitMs: 10_000 } },
  { name: '429 RateLimit-Reset delta seconds (IETF)', outcome: { status: 429, headers: { 'ratelimit-reset': '12' } }, want: { retry: true, reason: 'throttled', waitMs: 12_000 } },
  { name: '429 reset far away is too long', outcome: { status: 429, headers: { 'x-ratelimit-reset': String(NOW / 1000 + 3000) } }, want: { retry: false, reason: 'retry_after_too_long', waitMs: 3_000_000 } },
  { name: '403 GitHub rate limit (remaining 0 + reset)', outcome: { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 20) } }, want: { retry: true, reason: 'throttled', waitMs: 20_000 } },
  { name: '403 secondary rate limit with retry-after', outcome: { status: 403, headers: { 'retry-after': '60' } }, want: { retry: true, reason: 'throttled', waitMs: 60_000 } },
  { name: '503 with Retry-After', outcome: { status: 503, headers: { 'retry-after': '3' } }, want: { retry: true, reason: 'server_error', waitMs: 3000 } },
  { name: '503 without Retry-After', outcome: { status: 503 }, want: { retry: true, reason: 'server_error', waitMs: 500 } },
  { name: '503 ignores rate-limit reset headers', outcome: { status: 503, headers: { 'x-ratelimit-reset': String(NOW / 1000 + 45) } }, want: { retry: true, reason: 'server_error', waitMs: 500 } },
  { name: '504', outcome: { status: 504 }, n: 2, want: { retry: true, reason: 'server_error', waitMs: 1000 } },
  { name: '502', outcome: { status: 502 }, want: { retry: true, reason: 'server_error', waitMs: 500 } },
  { name: '500 (sometimes transient on Graph)', outcome: { status: 500 }, want: { retry: true, reason: 'server_error', waitMs: 500 } },
  { name: '501 not implemented', outcome: { status: 501 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '408 request timeout', outcome: { status: 408 }, want: { retry: true, reason: 'timeout', waitMs: 500 } },
  { name: 'ECONNRESET', outcome: { errorCode: 'ECONNRESET' }, want: { retry: true, reason: 'network', waitMs: 500 } },
  { name: 'UND_ERR_SOCKET (undici: other side closed)', outcome: { errorCode: 'UND_ERR_SOCKET' }, want: { retry: true, reason: 'network', waitMs: 500 } },
  { name: 'ETIMEDOUT', outcome: { errorCode: 'ETIMEDOUT' }, want: { retry: true, reason: 'timeout', waitMs: 500 } },
  { name: 'UND_ERR_HEADERS_TIMEOUT', outcome: { errorCode: 'UND_ERR_HEADERS_TIMEOUT' }, want: { retry: true, reason: 'timeout', waitMs: 500 } },
  { name: 'AbortError (per-attempt timeout)', outcome: { errorCode: 'AbortError' }, want: { retry: true, reason: 'timeout', waitMs: 500 } },
  { name: 'ENOTFOUND is not retried', outcome: { errorCode: 'ENOTFOUND' }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: 'TLS error is not retried', outcome: { errorCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '403 userRateLimitExceeded (Google quota)', outcome: { status: 403, vendorCode: 'userRateLimitExceeded' }, want: { retry: true, reason: 'quota', waitMs: 500 } },
  { name: '403 quotaExceeded with Retry-After', outcome: { status: 403, vendorCode: 'quotaExceeded', headers: { 'retry-after': '5' } }, want: { retry: true, reason: 'quota', waitMs: 5000 } },
  { name: '403 plain', outcome: { status: 403 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '403 other vendor code', outcome: { status: 403, vendorCode: 'Authorization_RequestDenied' }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '400 AWS Throttling', outcome: { status: 400, vendorCode: 'Throttling' }, want: { retry: true, reason: 'throttled', waitMs: 500 } },
  { name: 'AWS ThrottlingException without status', outcome: { vendorCode: 'ThrottlingException' }, want: { retry: true, reason: 'throttled', waitMs: 500 } },
  { name: '400', outcome: { status: 400 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '401', outcome: { status: 401 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '404', outcome: { status: 404 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: '200 is not retried', outcome: { status: 200 }, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
  { name: 'attempts exhausted (503 on the 5th attempt)', outcome: { status: 503 }, n: 5, want: { retry: false, reason: 'attempts_exhausted', waitMs: 0 } },
  { name: 'attempts exhausted keeps the asked wait', outcome: { status: 429, headers: { 'retry-after': '9' } }, n: 5, want: { retry: false, reason: 'attempts_exhausted', waitMs: 9000 } },
  { name: 'fourth attempt: ceiling doubled three times', outcome: { status: 503 }, n: 4, want: { retry: true, reason: 'server_error', waitMs: 4000 } },
  { name: 'not retryable wins over exhausted', outcome: { status: 404 }, n: 5, want: { retry: false, reason: 'not_retryable', waitMs: 0 } },
];

describe('decideRetry', () => {
  it.each(rows)('$name', ({ outcome, n, want }) => {
    expect(decideRetry(outcome, n ?? 1, policy, half, now)).toEqual(want);
  });

  it('caps the backoff ceiling at maxDelayMs', () => {
    const p = createRetryPolicy({ baseDelayMs: 1000, maxDelayMs: 3000, maxAttempts: 10 });
    expect(decideRetry({ status: 503 }, 6, p, () => 0.999, now).waitMs).toBe(2997);
  });

  it('uses full jitter: rand 0 retries at once, rand near 1 waits almost the ceiling', () => {
    expect(decideRetry({ status: 502 }, 2, policy, () => 0, now).waitMs).toBe(0);
    expect(decideRetry({ status: 502 }, 2, policy, () => 0.9999, now).waitMs).toBe(1999);
  });

  it('honours a removed status', () => {
    const p = createRetryPolicy({ retryStatuses: [429, 503] });
    expect(decideRetry({ status: 500 }, 1, p, half, now)).toEqual({ retry: false, reason: 'not_retryable', waitMs: 0 });
  });

  it('rejects a nonsense attempt count', () => {
    expect(() => decideRetry({ status: 503 }, 0, policy)).toThrow(/Expected `n` to be a positive integer/);
  });
});

describe('createRetryPolicy', () => {
  it('defaults every field', () => {
    expect(createRetryPolicy()).toEqual({
      maxAttempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      maxRetryAfterMs: 120_000,
      retryStatuses: [408, 429, 500, 502, 503, 504],
      retryVendorCodes: ['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded'],
    });
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(5);
    expect(Object.isFrozen(createRetryPolicy())).toBe(true);
  });

  it.each([
    [{ maxAttempts: 0 }, 'Expected `maxAttempts` to be an integer from 1 to 100, got `0` (number)'],
    [{ baseDelayMs: -1 }, 'Expected `baseDelayMs` to be an integer from 0 to 3600000, got `-1` (number)'],
    [{ baseDelayMs: 5000, maxDelayMs: 1000 }, 'Expected `maxDelayMs` to be an integer from 5000 to 3600000, got `1000` (number)'],
    [{ maxRetryAfterMs: 1.5 }, 'Expected `maxRetryAfterMs` to be an integer from 0 to 86400000, got `1.5` (number)'],
    [{ retryStatuses: [200] }, 'Expected `retryStatuses` to be HTTP statuses from 400 to 599, got `200` (number)'],
    [{ retryVendorCodes: [''] }, 'Expected `retryVendorCodes` to be non-empty strings, got `` (string)'],
  ])('says what it expected and got: %j', (partial, message) => {
    const e = (() => {
      try {
        createRetryPolicy(partial);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(AgentError);
    expect((e as AgentError).code).toBe('internal');
    expect((e as AgentError).message).toBe(message);
  });
});

describe('helpers', () => {
  it('reads headers from Headers and from plain records, case-insensitively', () => {
    expect(headerValue(new Headers({ 'Retry-After': '3' }), 'retry-after')).toBe('3');
    expect(headerValue({ 'RETRY-AFTER': ['4', '5'] }, 'retry-after')).toBe('4');
    expect(headerValue({}, 'retry-after')).toBeUndefined();
    expect(headerValue(undefined, 'retry-after')).toBeUndefined();
  });

  it('treats 2xx/3xx without errors as success, but not a 200 carrying a throttle code', () => {
    expect(isSuccess({ status: 200 })).toBe(true);
    expect(isSuccess({ status: 302 })).toBe(true);
    expect(isSuccess({ status: 404 })).toBe(false);
    expect(isSuccess({ errorCode: 'ECONNRESET' })).toBe(false);
    expect(isSuccess({ status: 200, vendorCode: 'Throttling' })).toBe(false);
  });
});
