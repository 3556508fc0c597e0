import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';
import type { ConnectorContext } from '../../src/core/connector.ts';
import { HttpRequestError } from '../../src/http/http-error.ts';
import { assertSameOrigin } from '../../src/http/origin-guard.ts';
import { requestWithRetry } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import { apiBaseOf, type BambooHrConfig } from './config-schema.ts';

/** Pacing family: BambooHR's own budget in src/http/pacer.ts. */
export const BAMBOOHR_FAMILY = 'bamboohr';

/** One response, kept as evidence. Never holds the request's Authorization header. */
export interface BambooResponse {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  /** BambooHR's `X-BambooHR-Error-Message` header, cleaned, when it sent one. */
  errorMessage: string | null;
  receivedAt: string;
}

export interface BambooSession {
  /** POSTs a custom report request (JSON) and returns the final answer, whatever its status. */
  report(request: object): Promise<BambooResponse>;
}

/**
 * Resolves the API key once and sends every request through `ctx.http`: pacing, the shared retry
 * policy (429 and 503 with Retry-After, 5xx, network errors), counters, the run's CA and timeouts.
 * Redirects are not followed (the key would go along), and the URL is checked against the
 * configured origin before anything is sent.
 */
export function lazySession(ctx: ConnectorContext<BambooHrConfig>): () => Promise<BambooSession> {
  let session: Promise<BambooSession> | undefined;
  return () => (session ??= createSession(ctx));
}

async function createSession(ctx: ConnectorContext<BambooHrConfig>): Promise<BambooSession> {
  const key = await ctx.secrets.resolve(ctx.config.apiKey, `${ctx.instance} BambooHR API key`);
  // BambooHR's API-key auth: the key as Basic user name, any password ("x" by convention).
  const authorization = `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;
  const base = apiBaseOf(ctx.config);
  const dispatcher = new Agent({
    headersTimeout: ctx.http.timeoutMs ?? 60_000,
    bodyTimeout: ctx.http.timeoutMs ?? 60_000,
    ...(ctx.http.ca ? { connect: { ca: [...rootCertificates, ctx.http.ca] } } : {}),
  });
  ctx.defer(() => dispatcher.close());
  const family = BAMBOOHR_FAMILY;

  return {
    async report(request) {
      const url = assertSameOrigin(`${base}/reports/custom?format=JSON&onlyCurrent=false`, base).href;
      let last: BambooResponse | undefined;
      try {
        return await requestWithRetry(
          family,
          async (signal) => {
            last = undefined;
            const res = await fetch(url, {
              method: 'POST',
              headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
              body: JSON.stringify(request),
              signal,
              dispatcher,
              redirect: 'manual',
            });
            const body = await res.text();
            last = {
              method: 'POST',
              url,
              status: res.status,
              contentType: res.headers.get('content-type'),
              body,
              errorMessage: cleanMessage(res.headers.get('x-bamboohr-error-message'), key),
              receivedAt: ctx.now().toISOString(),
            };
            return { outcome: { status: res.status, headers: res.headers, bytes: Buffer.byteLength(body) }, value: last };
          },
          { ...ctx.http, signal: ctx.signal, log: ctx.log },
        );
      } catch (e) {
        // A final HTTP answer (401, 403, 429 after retries…) is evidence and says why; no answer is thrown.
        if (last && e instanceof HttpRequestError && !ctx.signal.aborted) return last;
        throw e;
      }
    },
  };
}

/** Header text for messages: one line, no control characters, never the key, at most 200 characters. */
function cleanMessage(value: string | null, key: string): string | null {
  if (!value) return null;
  const text = value.split(key).join('[REDACTED]').replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return text === '' ? null : text.slice(0, 200);
}
