import { AgentError } from '../core/errors.ts';
import type { HttpConfig } from '../core/config.ts';
import type { HttpContext } from './http-context.ts';
import { createHttpStats, type HttpStats } from './http-stats.ts';
import { HttpRequestError } from './http-error.ts';
import { createPacer, DEFAULT_BUDGETS, mergeBudgets, type Pacer, type PacerOptions, type PacingBudget } from './pacer.ts';
import { classifyOutcome, createRetryPolicy, decideRetry, isSuccess, type AttemptOutcome, type RetryPolicy } from './retry-policy.ts';

/**
 * The retry LOOP: pacing, sleeping, counting, and turning the final failure into an AgentError. The
 * decision itself is `decideRetry` (pure, tested by table). Everything is injected through `ctx`, so
 * tests swap the clock, the sleep and the randomness instead of patching modules.
 */

export interface AttemptResult<T> {
  outcome: AttemptOutcome;
  /** Returned to the caller when `outcome` is a success (2xx/3xx, no transport error). */
  value?: T;
}

/** Pino-compatible subset; messages are constant strings, data goes in the fields. */
export interface RetryLog {
  warn(fields: object, msg: string): void;
}

export interface RequestContext {
  pacer: Pacer;
  retry: RetryPolicy;
  stats: HttpStats;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The run's signal; aborting it stops queued attempts, in-flight waits and further retries. */
  signal?: AbortSignal;
  log?: RetryLog;
  /** @default Math.random */
  rand?: () => number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Runs `attemptFn` through `family`'s pacer until it succeeds or the policy says stop.
 *
 * `attemptFn` gets the run's signal, reads the whole response (so a reset mid-body is retried too)
 * and reports it as an `AttemptOutcome`; it may also just throw the transport error (undici's
 * `fetch failed` with a `cause.code`, an `AbortError`…), which becomes `{ errorCode }`. It must not
 * throw for HTTP statuses. An `AgentError` it throws (e.g. `foreign_origin`) is passed through
 * untouched, and so is an error with no code (a bug should surface, not be retried).
 *
 * Resolves with the successful attempt's `value`. Rejects with `HttpRequestError` (code `throttled`,
 * `denied`, `auth_failed`, `not_found` or `http_failed`), or AgentError `aborted`.
 */
export async function requestWithRetry<T>(
  family: string,
  attemptFn: (signal: AbortSignal) => Promise<AttemptResult<T>>,
  ctx: RequestContext,
): Promise<T> {
  const { pacer, retry, stats, sleep, signal, log } = ctx;
  const now = ctx.now ?? Date.now;
  const rand = ctx.rand ?? Math.random;

  for (let n = 1; ; n++) {
    if (signal?.aborted) throw aborted(family, signal);
    const queuedAt = now();
    let result: AttemptResult<T> & { error?: unknown };
    try {
      result = await pacer.schedule(
        family,
        async (taskSignal) => {
          stats.recordQueueWait(family, now() - queuedAt);
          stats.recordRequest(family);
          try {
            return await attemptFn(taskSignal);
          } catch (e) {
            const errorCode = errorCodeOf(e);
            if (e instanceof AgentError || signal?.aborted || errorCode === undefined) throw e;
            return { outcome: { errorCode }, error: e };
          }
        },
        signal,
      );
    } catch (e) {
      if (signal?.aborted && !(e instanceof AgentError && e.code !== 'aborted')) throw aborted(family, signal);
      throw e;
    }

    const { outcome } = result;
    record(stats, family, outcome);
    if (isSuccess(outcome, retry)) return result.value as T;

    const kind = classifyOutcome(outcome, retry);
    const throttled = kind === 'throttled' || kind === 'quota';
    if (throttled || outcome.status === 429) stats.recordThrottled(family);
    const decision = decideRetry(outcome, n, retry, rand, now);
    if (!decision.retry) {
      throw new HttpRequestError({ family, outcome, decision, kind, attempts: n, maxRetryAfterMs: retry.maxRetryAfterMs }, { cause: result.error });
    }

    stats.recordRetry(family, decision.reason, decision.waitMs);
    // The quota belongs to the family (app + tenant), not to this request: hold its queue as well.
    if (throttled) pacer.pause(family, decision.waitMs);
    log?.warn(
      { family, attempt: n, status: outcome.status, errorCode: outcome.errorCode, vendorCode: outcome.vendorCode, reason: decision.reason, waitMs: decision.waitMs },
      'http attempt failed; retrying',
    );
    try {
      await sleep(decision.waitMs, signal);
    } catch (e) {
      if (signal?.aborted) throw aborted(family, signal);
      throw e;
    }
  }
}

function record(stats: HttpStats, family: string, outcome: AttemptOutcome): void {
  if (outcome.status !== undefined) stats.recordResponse(family, outcome.status);
  else if (outcome.errorCode !== undefined) stats.recordNetworkError(family);
  if (outcome.bytes !== undefined) stats.recordBytes(family, outcome.bytes);
}

/** `code` of the error or of its causes (undici nests it: `fetch failed` → cause `UND_ERR_SOCKET`), else a DOMException-style name. */
export function errorCodeOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    // DOMException's `code` is a legacy number; only string codes name the failure.
    if (typeof code === 'string' && code !== '') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  if (name === 'AbortError' || name === 'TimeoutError') return name;
  return undefined;
}

function aborted(family: string, signal: AbortSignal): AgentError {
  return new AgentError('aborted', `${family} request aborted`, { cause: signal.reason });
}

/**
 * The real `HttpContext.sleep`: resolves after `ms`, or rejects with AgentError `aborted` as soon as
 * `signal` aborts (the timer is cleared, so an aborted run does not linger).
 */
export function sleepWithSignal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const abortError = (): AgentError => new AgentError('aborted', 'wait aborted', { cause: signal?.reason });
    if (signal?.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    // setTimeout fires at once for anything above 2^31-1 ms; clamp rather than spin.
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(Number.isFinite(ms) ? ms : 0, 0), 2_147_483_647),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface HttpContextOptions {
  /**
   * Budgets before overrides.
   * @default DEFAULT_BUDGETS
   */
  budgets?: Readonly<Record<string, Readonly<PacingBudget>>>;
  /**
   * Per-family overrides merged field by field over `budgets` (config `http.pacing`). Unknown families are refused.
   * @default {}
   */
  pacing?: Readonly<Record<string, Partial<PacingBudget>>>;
  /**
   * @default {} (every `RetryPolicy` default)
   */
  retry?: Partial<RetryPolicy>;
  /**
   * Extra CA certificates (PEM) to trust.
   * @default null
   */
  ca?: string | null;
  /**
   * Per-attempt transport timeout for connectors to apply (headers and body).
   * @default 60_000
   */
  timeoutMs?: number;
  /** @default sleepWithSignal */
  sleep?: HttpContext['sleep'];
  /** @default {} */
  pacer?: PacerOptions;
}

/**
 * One HttpContext per connector instance and run: budgets are per tenant, so instances never share a
 * pacer, and the stats describe exactly one instance.
 */
export function createHttpContext(opts: HttpContextOptions = {}): HttpContext {
  return {
    pacer: createPacer(mergeBudgets(opts.budgets ?? DEFAULT_BUDGETS, opts.pacing ?? {}), opts.pacer ?? {}),
    retry: createRetryPolicy(opts.retry ?? {}),
    stats: createHttpStats(),
    sleep: opts.sleep ?? sleepWithSignal,
    ca: opts.ca ?? null,
    timeoutMs: opts.timeoutMs ?? 60_000,
  };
}

/** Maps the config's `http` block; the CA file's contents are read by the caller (no I/O here). */
export function httpContextOptionsFromConfig(http: HttpConfig, ca: string | null): HttpContextOptions {
  return {
    pacing: http.pacing,
    retry: { maxAttempts: http.maxAttempts, maxRetryAfterMs: http.maxRetryAfterMs },
    timeoutMs: http.timeoutMs,
    ca,
  };
}
