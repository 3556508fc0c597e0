import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { HttpContext } from '../../src/http/http-context.ts';
import { assertSameOrigin } from '../../src/http/origin-guard.ts';
import { requestWithRetry } from '../../src/http/request-with-retry.ts';
import type { AttemptOutcome } from '../../src/http/retry-policy.ts';

function requestUrl(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}

/**
 * Per-request slot for what a middleware threw. The SDK turns any thrown error into a `GraphError`
 * (statusCode -1, only the message kept), so an AgentError (`foreign_origin`, `http_failed`) or an
 * @azure/identity refusal would reach the collector as an anonymous error and read as `transient`.
 * Pass one with `.middlewareOptions([thrown])` and rethrow `thrown.error` instead.
 */
export class ThrownError implements MiddlewareOptions {
  error: unknown = undefined;
}

/** First in the chain: no request (and so no token) ever leaves for a host other than the configured Graph origin. */
export class OriginGuardMiddleware implements Middleware {
  #next: Middleware | undefined;
  constructor(private readonly origin: string) {}
  async execute(context: Context): Promise<void> {
    try {
      assertSameOrigin(requestUrl(context), this.origin);
      await this.#next!.execute(context);
    } catch (e) {
      const slot = context.middlewareControl?.getMiddlewareOptions(ThrownError) as ThrownError | undefined;
      if (slot) slot.error = e;
      throw e;
    }
  }
  setNext(next: Middleware): void {
    this.#next = next;
  }
}

/**
 * Graph throttles per API family with very different budgets: sign-in activity at 10 requests a
 * minute, the reports API at 5 per 10 s, the directory far higher. The family decides the pacer.
 */
export function graphFamily(url: string): string {
  const u = new URL(url);
  if (u.pathname.includes('/reports/')) return 'graph-reports';
  const select = u.searchParams.get('$select') ?? '';
  if (/\/users\/?$/.test(u.pathname) && /signInActivity/i.test(select)) return 'graph-signin';
  return 'graph-directory';
}

/**
 * Replaces the SDK's RetryHandler: pacing and the retry decision come from `src/http` so every
 * connector shares one tested policy. When retries run out the last response is handed back (not
 * thrown) so its body is stored as evidence of what the service said.
 */
export class PacedRetryMiddleware implements Middleware {
  #next: Middleware | undefined;
  constructor(
    private readonly http: HttpContext,
    private readonly signal: AbortSignal,
  ) {}

  async execute(context: Context): Promise<void> {
    const family = graphFamily(requestUrl(context));
    try {
      await requestWithRetry(
        family,
        async (): Promise<{ outcome: AttemptOutcome; value?: undefined }> => {
          context.response = undefined;
          await this.#next!.execute(context);
          const res = context.response as Response | undefined;
          return { outcome: { status: res?.status ?? 0, headers: res?.headers } };
        },
        { ...this.http, signal: this.signal },
      );
    } catch (e) {
      // A final HTTP answer (403, exhausted 429…) is evidence: keep it for the caller to classify.
      // An abort is not an answer: it must stop the stream, not pass for the last response.
      if (context.response && !this.signal.aborted) return;
      throw e;
    }
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

/**
 * Last in the chain: sends the request with undici so the connector can trust an extra CA (a
 * TLS-inspecting proxy, a local test double) without touching the process-wide trust store.
 */
export class FetchMiddleware implements Middleware {
  readonly #dispatcher: Agent;
  constructor(
    ca: string | null,
    timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    this.#dispatcher = new Agent({
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // One secure context for every connection: building it from ~150 root certificates costs
      // ~25 ms of CPU, which per connection was the largest single cost in the benchmark.
      ...(ca ? { connect: { secureContext: createSecureContext({ ca: [...rootCertificates, ca] }) } } : {}),
    });
  }

  async execute(context: Context): Promise<void> {
    const options = (context.options ?? {}) as UndiciRequestInit;
    const res = await undiciFetch(requestUrl(context), {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      dispatcher: this.#dispatcher,
      signal: this.signal,
      redirect: 'manual',
    });
    // The body is read once, here, so a reset mid-body surfaces inside the retry loop as a network error.
    const body = await res.text();
    const nullBody = res.status === 204 || res.status === 304 || body === '';
    context.response = new Response(nullBody ? null : body, { status: res.status, statusText: res.statusText, headers: new Headers([...res.headers]) });
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
