import { AgentError, type AgentErrorCode } from '../../src/core/errors.ts';
import type { FailureKind, StreamFailure } from '../../src/core/stream-outcome.ts';
import type { RawResponse } from './raw-capture.ts';

/**
 * AWS error codes by what a person must do about them. Denials need a policy change, credential
 * refusals a new key or role, throttling and 5xx clear by themselves; anything else is a request
 * AWS considers wrong (recorded as `invalid`).
 */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'AccessDeniedForDependencyException']);
const AUTH = new Set([
  'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException',
  'MissingAuthenticationToken', 'IncompleteSignature', 'InvalidAccessKeyId', 'CredentialsProviderError',
]);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

export function classifyAws(status: number | undefined, code: string | undefined): FailureKind {
  if (code && THROTTLED.has(code)) return 'throttled';
  if (code && DENIED.has(code)) return 'denied';
  if (code && AUTH.has(code)) return 'auth';
  if (status === 429) return 'throttled';
  if (status === 401) return 'auth';
  if (status === 403) return 'denied';
  if (status === undefined || status >= 500) return 'transient';
  return 'invalid';
}

const KIND_TO_CODE: Record<FailureKind, AgentErrorCode> = {
  denied: 'denied',
  unlicensed: 'unlicensed',
  auth: 'auth_failed',
  throttled: 'throttled',
  transient: 'http_failed',
  truncated: 'invalid_response',
  invalid: 'invalid_response',
  interrupted: 'aborted',
};

/**
 * A call that failed for good (after our retries), with what AWS said. `raw` is the error response
 * as received (kept as evidence), or `null` when none arrived. The message never holds credentials:
 * AWS error messages name principals and actions, not keys.
 */
export class AwsCallError extends AgentError {
  constructor(
    readonly action: string,
    readonly accountLabel: string | null,
    readonly kind: FailureKind,
    readonly awsCode: string | undefined,
    readonly status: number | undefined,
    readonly awsMessage: string,
    readonly raw: RawResponse | null,
    options?: { cause?: unknown },
  ) {
    super(KIND_TO_CODE[kind], describe(action, accountLabel, kind, awsCode, awsMessage), options);
    this.name = 'AwsCallError';
  }

  toFailure(): StreamFailure {
    return { kind: this.kind, detail: this.message, ...(this.kind === 'denied' ? { needs: this.action } : {}) };
  }
}

function describe(action: string, account: string | null, kind: FailureKind, code: string | undefined, message: string): string {
  const where = account ? ` in account ${account}` : '';
  const said = `${code ?? 'error'}: ${message}`.split('\n')[0]!.slice(0, 500);
  switch (kind) {
    case 'denied':
      return `${action} was refused${where} (${said}); grant it to the identity named in the message`;
    case 'auth':
      return `the AWS credentials were not accepted for ${action}${where} (${said})`;
    case 'throttled':
      return `${action}${where} stayed throttled after our retries (${said}); the next run will try again`;
    case 'transient':
      return `${action}${where} failed (${said}); usually temporary`;
    default:
      return `${action}${where} was rejected (${said})`;
  }
}
