import type { Logger } from 'pino';
import { AgentError } from '../../src/core/errors.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import { HttpRequestError } from '../../src/http/http-error.ts';
import { requestWithRetry, type AttemptResult } from '../../src/http/request-with-retry.ts';
import { AwsCallError, classifyAws } from './aws-errors.ts';
import { captureMiddleware, type CaptureSlot, type RawResponse } from './raw-capture.ts';

/** Every AWS call shares one pacing family: IAM, STS, Organizations and Identity Store alike. */
export const AWS_FAMILY = 'aws-iam';

export interface AwsCallContext {
  http: HttpContext;
  signal: AbortSignal;
  log: Logger;
  now: () => Date;
}

interface CommandLike {
  middlewareStack: { add(mw: never, opts: { step: 'deserialize'; priority: 'low'; name: string }): void };
}

export interface AwsCallResult<O> {
  output: O;
  /** The response as received (the evidence), `null` only if the SDK answered without one. */
  raw: RawResponse | null;
}

interface SdkErrorLike {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The code AWS put in the body: `Code` for Query APIs (`ReportInProgress`), the exception name for JSON ones. */
export function awsCodeOf(e: unknown): string | undefined {
  const x = e as SdkErrorLike | undefined;
  return x?.Code ?? (x?.name && x.name !== 'Error' ? x.name : undefined);
}

/**
 * Sends one AWS command through our retry loop (`requestWithRetry`, family `aws-iam`): the SDK is
 * built with `maxAttempts: 1`, so pacing, backoff, `Throttling`-on-400 and the counters are ours,
 * like every other connector's. A fresh command is made per attempt (middleware is per command).
 * Throws `AwsCallError` with the failure's kind and AWS's own message; AgentError `aborted` passes.
 */
export async function callAws<C extends CommandLike, O>(
  cc: AwsCallContext,
  make: () => C,
  send: (command: C, abortSignal: AbortSignal) => Promise<O>,
  what: { action: string; account: string | null },
): Promise<AwsCallResult<O>> {
  let last: { slot: CaptureSlot; error: unknown } | null = null;
  const attempt = async (signal: AbortSignal): Promise<AttemptResult<AwsCallResult<O>>> => {
    const slot: CaptureSlot = { raw: null, headers: {} };
    const command = make();
    command.middlewareStack.add(captureMiddleware(slot, cc.now) as never, { step: 'deserialize', priority: 'low', name: 'evidentiaRawCapture' });
    try {
      const output = await send(command, signal);
      last = { slot, error: undefined };
      return { outcome: { status: slot.raw?.status ?? 200, bytes: slot.raw?.body.length }, value: { output, raw: slot.raw } };
    } catch (e) {
      last = { slot, error: e };
      const status = (e as SdkErrorLike).$metadata?.httpStatusCode ?? slot.raw?.status;
      // No HTTP response: a transport error (its `code` is classified by the retry policy) or a
      // credential provider failure (no code: passed through and reported as `auth` below).
      if (status === undefined) throw e;
      if (status >= 200 && status < 300) {
        throw new AgentError('invalid_response', `${what.action}: AWS answered ${status} but the SDK could not read the response (${firstLine(e)})`, { cause: e });
      }
      return { outcome: { status, vendorCode: awsCodeOf(e), headers: slot.headers, bytes: slot.raw?.body.length } };
    }
  };
  try {
    return await requestWithRetry(AWS_FAMILY, attempt, { ...cc.http, signal: cc.signal, log: cc.log });
  } catch (e) {
    throw toCallError(e, last, what);
  }
}

function toCallError(e: unknown, last: { slot: CaptureSlot; error: unknown } | null, what: { action: string; account: string | null }): unknown {
  if (e instanceof AgentError && e.code === 'aborted') return e;
  const raw = last?.slot.raw ?? null;
  if (e instanceof HttpRequestError) {
    const code = e.vendorCode ?? awsCodeOf(last?.error) ?? e.errorCode;
    const kind = e.code === 'throttled' ? 'throttled' : e.status === undefined ? 'transient' : classifyAws(e.status, code);
    const message = kind === 'throttled' || e.status === undefined ? `${e.message} (${e.attempts} attempts)` : firstLine(last?.error ?? e);
    return new AwsCallError(what.action, what.account, kind, code, e.status, message, raw, { cause: last?.error ?? e });
  }
  if (e instanceof AgentError && e.code === 'invalid_response') return new AwsCallError(what.action, what.account, 'invalid', undefined, raw?.status, e.message, raw, { cause: e });
  const name = (e as SdkErrorLike)?.name;
  if (name === 'CredentialsProviderError' || name === 'ProviderError' || name === 'TokenProviderError') {
    return new AwsCallError(what.action, what.account, 'auth', name, undefined, `no usable AWS credentials: ${firstLine(e)}`, null, { cause: e });
  }
  return new AwsCallError(what.action, what.account, 'transient', name, undefined, firstLine(e), raw, { cause: e });
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}
