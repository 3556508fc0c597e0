import { AgentError } from '../core/errors.ts';
import type { AgentErrorCode } from '../core/errors.ts';
import type { AttemptOutcome, RetryDecision, RetryReason, TransientKind } from './retry-policy.ts';

/** The codes a failed request can end with; connectors map them to stream failure kinds. */
export type HttpFailureCode = Extract<AgentErrorCode, 'throttled' | 'denied' | 'auth_failed' | 'not_found' | 'http_failed'>;

/**
 * A request that failed for good: not retryable, out of attempts, or asked to wait too long. Carries
 * the status and vendor code as fields so connectors can classify (e.g. Graph 403 + licence code →
 * `unlicensed`) without parsing the message. Never carries headers, bodies or URLs: they may hold
 * tokens.
 */
export class HttpRequestError extends AgentError {
  declare readonly code: HttpFailureCode;
  readonly family: string;
  readonly status: number | undefined;
  readonly vendorCode: string | undefined;
  readonly errorCode: string | undefined;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  /** Why the loop stopped: `not_retryable`, `attempts_exhausted` or `retry_after_too_long`. */
  readonly reason: RetryReason;
  /** The wait the server asked for, when it asked for one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    fields: { family: string; outcome: AttemptOutcome; decision: RetryDecision; kind: TransientKind | null; attempts: number; maxRetryAfterMs: number },
    options?: { cause?: unknown },
  ) {
    const { family, outcome, decision, kind, attempts } = fields;
    const code = failureCode(outcome, decision, kind);
    super(code, describe(fields, code), options);
    this.name = 'HttpRequestError';
    this.family = family;
    this.status = outcome.status;
    this.vendorCode = clean(outcome.vendorCode);
    this.errorCode = clean(outcome.errorCode);
    this.attempts = attempts;
    this.reason = decision.reason;
    this.retryAfterMs = decision.reason === 'retry_after_too_long' || decision.waitMs > 0 ? decision.waitMs : undefined;
  }
}

function failureCode(outcome: AttemptOutcome, decision: RetryDecision, kind: TransientKind | null): HttpFailureCode {
  if (decision.reason === 'retry_after_too_long' || kind === 'throttled' || kind === 'quota' || outcome.status === 429) return 'throttled';
  if (outcome.status === 401) return 'auth_failed';
  if (outcome.status === 403) return 'denied';
  if (outcome.status === 404) return 'not_found';
  return 'http_failed';
}

function describe(f: { family: string; outcome: AttemptOutcome; decision: RetryDecision; attempts: number; maxRetryAfterMs: number }, code: HttpFailureCode): string {
  const { family, outcome, decision, attempts } = f;
  const vendor = clean(outcome.vendorCode);
  const what =
    outcome.status !== undefined
      ? `HTTP ${outcome.status}${vendor ? ` ${vendor}` : ''}`
      : (vendor ?? `network error ${clean(outcome.errorCode) ?? 'without a code'}`);
  if (decision.reason === 'retry_after_too_long') {
    return `${family}: throttled (${what}); the API asked to wait ${seconds(decision.waitMs)} s, more than the ${seconds(f.maxRetryAfterMs)} s allowed (http.maxRetryAfterMs), so it was not retried`;
  }
  if (decision.reason === 'attempts_exhausted') {
    return code === 'throttled'
      ? `${family}: still throttled (${what}) after ${attempts} attempts; giving up`
      : `${family}: request failed (${what}) after ${attempts} attempts; giving up`;
  }
  switch (code) {
    case 'auth_failed':
      return `${family}: authentication failed (${what}); check the credentials`;
    case 'denied':
      return `${family}: access denied (${what}); check the permissions granted to the app`;
    case 'not_found':
      return `${family}: not found (${what})`;
    case 'throttled':
      return `${family}: throttled (${what}); not retried`;
    default:
      return `${family}: request failed (${what}); not retryable`;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** Vendor and transport codes are short identifiers; anything else is cut so a body can't leak through. */
function clean(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const c = code.replace(/[^\w.:-]/g, '').slice(0, 80);
  return c === '' ? undefined : c;
}
