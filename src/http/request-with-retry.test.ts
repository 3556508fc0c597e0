import { DEFAULT_BUDGETS } from './pacer.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../core/errors.ts';
import { configSchema } from '../config/agent-config.ts';
import { HttpRequestError } from './http-error.ts';
import { createHttpStats } from './http-stats.ts';
import { createPacer, type Pacer } from './pacer.ts';
import {
  createHttpContext,
  errorCodeOf,
  httpContextOptionsFromConfig,
  requestWithRetry,
  sleepWithSignal,
  type AttemptResult,
  type RequestContext,
} from './request-with-retry.ts';
import { createRetryPolicy } from './retry-policy.ts';

// A scripted local server: each request to a path takes the next step of that path's script.
type Step = (req: IncomingMessage, res: ServerResponse) => void;
const scripts = new Map<string, Step[]>();
const hits = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const script = scripts.get(path) ?? [];
    const step = script.length > 1 ? script.shift()! : script[0];
    if (step) step(req, res);
    else res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  scripts.clear();
  hits.clear();
});

/** Steps are taken in order; the last one repeats. */
const script = (path: string, ...steps: Step[]): void => void scripts.set(path, steps);
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Step => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};
const reset: Step = (req) => req.socket.destroy();

/** A plain fetch attempt, as a connector would write it (reads the body, reports a Google-style reason). */
function attempt(path: string) {
  return async (signal: AbortSignal): Promise<AttemptResult<unknown>> => {
    const res = await fetch(base + path, { signal });
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : null;
    const reason = (body as { error?: { errors?: { reason?: string }[] } } | null)?.error?.errors?.[0]?.reason;
    return { outcome: { status: res.status, headers: res.headers, bytes: Buffer.byteLength(text), vendorCode: reason }, value: body };
  };
}

const FAMILY = 'graph-directory';

/** Real pacer and stats; recorded (not real) sleeps and pauses so tests run in milliseconds. */
function testContext(retry: Parameters<typeof createRetryPolicy>[0] = {}, signal?: AbortSignal) {
  const inner = createPacer({ [FAMILY]: { intervalCap: 100, intervalMs: 1000, concurrency: 4 } });
  const waits: number[] = [];
  const pauses: [string, number][] = [];
  const pacer: Pacer = { ...inner, pause: (family, ms) => void pauses.push([family, ms]) };
  const ctx: RequestContext = {
    pacer,
    retry: createRetryPolicy(retry),
    stats: createHttpStats(),
    sleep: async (ms) => void waits.push(ms),
    signal,
    rand: () => 0.5,
  };
  return { ctx, waits, pauses };
}

async function failure(p: Promise<unknown>): Promise<AgentError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof AgentError)) throw new Error(`expected an AgentError, got ${String(e)}`);
  return e;
}

describe('requestWithRetry against a local server', () => {
  it('waits out a 429 with Retry-After, pauses the family, then returns the 200', async () => {
    script('/users', json(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '1' }), json(200, { value: [1, 2] }));
    const { ctx, waits, pauses } = testContext();
    expect(await requestWithRetry(FAMILY, attempt('/users'), ctx)).toEqual({ value: [1, 2] });
    expect(waits).toEqual([1000]);
    expect(pauses).toEqual([[FAMILY, 1000]]);
    expect(hits.get('/users')).toBe(2);
    const s = ctx.stats.snapshot()[FAMILY]!;
    expect(s).toMatchObject({ requests: 2, throttled: 1, retries: { throttled: 1 }, retryWaitMs: 1000, networkErrors: 0 });
    expect(s.responses).toMatchObject({ '2xx': 1, '4xx': 1 });
    expect(s.bytesReceived).toBeGreaterThan(0);
  });

  it('gives up on a 503 after maxAttempts, classified http_failed', async () => {
    script('/flaky', json(503, { error: 'busy' }));
    const { ctx, waits, pauses } = testContext({ maxAttempts: 3 });
    const e = await failure(requestWithRetry(FAMILY, attempt('/flaky'), ctx));
    expect(e).toBeInstanceOf(HttpRequestError);
    expect(e.code).toBe('http_failed');
    expect(e.message).toBe('graph-directory: request failed (HTTP 503) after 3 attempts; giving up');
    expect((e as HttpRequestError).status).toBe(503);
    expect((e as HttpRequestError).reason).toBe('attempts_exhausted');
    expect(hits.get('/flaky')).toBe(3);
    expect(waits).toEqual([500, 1000]); // full jitter with rand 0.5: half of 1 s, then half of 2 s
    expect(pauses).toEqual([]); // a server error is not a quota: other requests carry on
    expect(ctx.stats.snapshot()[FAMILY]!.retries).toEqual({ server_error: 2 });
  });

  it('fails a 403 at once as denied, without headers or body in the message', async () => {
    script('/secret', json(403, { error: { code: 'Authorization_RequestDenied', message: 'SECRET-BODY' } }, { 'x-token': 'SECRET-HEADER' }));
    const { ctx, waits } = testContext();
    const e = await failure(requestWithRetry(FAMILY, attempt('/secret'), ctx));
    expect(e.code).toBe('denied');
    expect(e.message).toBe('graph-directory: access denied (HTTP 403); check the permissions granted to the app');
    expect(e.message).not.toMatch(/SECRET/);
    expect(hits.get('/secret')).toBe(1);
    expect(waits).toEqual([]);
  });

  it.each([
    [401, 'auth_failed'],
    [404, 'not_found'],
    [400, 'http_failed'],
  ])('fails a %i at once as %s', async (status, code) => {
    script('/x', json(status, {}));
    const { ctx } = testContext();
    const e = await failure(requestWithRetry(FAMILY, attempt('/x'), ctx));
    expect(e.code).toBe(code);
    expect(hits.get('/x')).toBe(1);
  });

  it('retries a Google 403 quota error (vendor code) and pauses the family', async () => {
    const quota = { error: { code: 403, errors: [{ reason: 'userRateLimitExceeded', domain: 'usageLimits' }] } };
    script('/gusers', json(403, quota), json(200, { users: [] }));
    const { ctx, waits, pauses } = testContext();
    expect(await requestWithRetry(FAMILY, attempt('/gusers'), ctx)).toEqual({ users: [] });
    expect(waits).toEqual([500]);
    expect(pauses).toEqual([[FAMILY, 500]]);
    expect(ctx.stats.snapshot()[FAMILY]!.retries).toEqual({ quota: 1 });
  });

  it('fails as throttled without waiting when Retry-After is longer than allowed', async () => {
    script('/slow', json(429, {}, { 'Retry-After': '3600' }));
    const { ctx, waits } = testContext();
    const e = await failure(requestWithRetry(FAMILY, attempt('/slow'), ctx));
    expect(e.code).toBe('throttled');
    expect(e.message).toBe(
      'graph-directory: throttled (HTTP 429); the API asked to wait 3600 s, more than the 120 s allowed (http.maxRetryAfterMs), so it was not retried',
    );
    expect((e as HttpRequestError).retryAfterMs).toBe(3_600_000);
    expect(waits).toEqual([]);
  });

  it('still throttled after every attempt → throttled', async () => {
    script('/busy', json(429, {}, { 'Retry-After': '0' }));
    const { ctx } = testContext({ maxAttempts: 2 });
    const e = await failure(requestWithRetry(FAMILY, attempt('/busy'), ctx));
    expect(e.code).toBe('throttled');
    expect(e.message).toBe('graph-directory: still throttled (HTTP 429) after 2 attempts; giving up');
  });

  it('recovers when the server resets the connection', async () => {
    script('/reset', reset, json(200, { ok: true }));
    const { ctx, waits } = testContext();
    expect(await requestWithRetry(FAMILY, attempt('/reset'), ctx)).toEqual({ ok: true });
    expect(hits.get('/reset')).toBe(2);
    expect(waits).toHaveLength(1);
    const s = ctx.stats.snapshot()[FAMILY]!;
    expect(s).toMatchObject({ requests: 2, networkErrors: 1, retries: { network: 1 } });
  });

  it('names the transport code when resets never stop', async () => {
    script('/reset', reset);
    const { ctx } = testContext({ maxAttempts: 2 });
    const e = await failure(requestWithRetry(FAMILY, attempt('/reset'), ctx));
    expect(e.code).toBe('http_failed');
    expect(e.message).toMatch(/^graph-directory: request failed \(network error (UND_ERR_SOCKET|ECONNRESET)\) after 2 attempts; giving up$/);
    expect((e as HttpRequestError).cause).toBeInstanceOf(Error);
  });

  it('rejects with aborted when the run aborts mid-wait, without waiting it out', async () => {
    script('/wait', json(429, {}, { 'Retry-After': '30' }));
    const ac = new AbortController();
    const { ctx } = testContext({}, ac.signal);
    ctx.sleep = (ms, signal) => {
      setTimeout(() => ac.abort(), 20);
      return sleepWithSignal(ms, signal);
    };
    const t0 = Date.now();
    const e = await failure(requestWithRetry(FAMILY, attempt('/wait'), ctx));
    expect(e.code).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(hits.get('/wait')).toBe(1);
  });

  it('rejects with aborted when the run aborts during the request', async () => {
    script('/hang', () => undefined); // never answers
    const ac = new AbortController();
    const { ctx } = testContext({}, ac.signal);
    setTimeout(() => ac.abort(), 30);
    const e = await failure(requestWithRetry(FAMILY, attempt('/hang'), ctx));
    expect(e.code).toBe('aborted');
  });

  it('passes an AgentError from the attempt through untouched, without retrying', async () => {
    const { ctx } = testContext();
    const guard = new AgentError('foreign_origin', 'the API returned a link to https://evil.example');
    let calls = 0;
    const e = await failure(
      requestWithRetry(
        FAMILY,
        async () => {
          calls++;
          throw guard;
        },
        ctx,
      ),
    );
    expect(e).toBe(guard);
    expect(calls).toBe(1);
  });

  it('lets a bug (an error without a code) surface instead of retrying it', async () => {
    const { ctx } = testContext();
    const bug = new TypeError('Cannot read properties of undefined');
    await expect(requestWithRetry(FAMILY, async () => Promise.reject(bug), ctx)).rejects.toBe(bug);
  });

  it('works with a void attempt that only reports the outcome (as the m365 middleware does)', async () => {
    script('/void', json(204, ''));
    const { ctx } = testContext();
    const r = await requestWithRetry(
      FAMILY,
      async (signal): Promise<{ outcome: { status: number }; value?: undefined }> => {
        const res = await fetch(`${base}/void`, { signal });
        await res.arrayBuffer();
        return { outcome: { status: res.status } };
      },
      ctx,
    );
    expect(r).toBeUndefined();
  });
});

describe('errorCodeOf', () => {
  it('finds the code on the error, its causes, or its DOMException name', () => {
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorCodeOf(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }))).toBe('UND_ERR_SOCKET');
    expect(errorCodeOf(new DOMException('timed out', 'TimeoutError'))).toBe('TimeoutError');
    expect(errorCodeOf(new Error('plain'))).toBeUndefined();
    expect(errorCodeOf('string')).toBeUndefined();
  });
});

describe('sleepWithSignal', () => {
  it('resolves after the wait', async () => {
    const t0 = Date.now();
    await sleepWithSignal(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(28);
  });

  it('rejects with aborted when the signal aborts, or already has', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    await expect(sleepWithSignal(10_000, ac.signal)).rejects.toMatchObject({ code: 'aborted' });
    await expect(sleepWithSignal(10, AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('createHttpContext', () => {
  it('builds a context with every default', () => {
    const http = createHttpContext();
    expect(http.ca).toBeNull();
    expect(http.timeoutMs).toBe(60_000);
    expect(http.retry.maxAttempts).toBe(5);
    expect(http.pacer.families).toContain('graph-signin');
    expect(http.sleep).toBe(sleepWithSignal);
    expect(http.stats.snapshot()).toEqual({});
  });

  it('maps the config http block, merging pacing overrides over the defaults', () => {
    const config = configSchema.parse({
      http: { pacing: { 'graph-reports': { intervalCap: 2, intervalMs: 10_000 } }, maxAttempts: 3, maxRetryAfterMs: 30_000, timeoutMs: 5_000 },
      organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm365-main' }] }],
    });
    const http = createHttpContext(httpContextOptionsFromConfig(config.http, 'PEM'));
    expect(http.retry).toMatchObject({ maxAttempts: 3, maxRetryAfterMs: 30_000 });
    expect(http.timeoutMs).toBe(5_000);
    expect(http.ca).toBe('PEM');
    expect(http.pacer.families).toHaveLength(Object.keys(DEFAULT_BUDGETS).length);
  });

  it('refuses a pacing override for an unknown family', () => {
    expect(() => createHttpContext({ pacing: { okta: { intervalCap: 1 } } })).toThrow(/unknown API family "okta"/);
  });
});
