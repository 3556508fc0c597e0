import { afterEach, describe, expect } from 'vitest';
import { SCOPES, type DirectoryDouble, type DirectoryQuirks } from '../../fixtures/google-workspace/index.ts';
import { closeDoubles, configFor, GOOGLE, KEY_ENV, startDouble } from '../../connectors/google-workspace/google-test-harness.ts';
import { collectCell, matrix, type CollectedCell } from './fault-matrix.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.ts';

/**
 * Google Workspace (Admin SDK Directory through @googleapis/admin and google-auth-library) under
 * every fault of the matrix. The Directory double models quota errors, 5xx, bad JSON and denials;
 * the fault proxy adds 429s, 504, resets, timeouts, schema failures, 401s and a page-token loop.
 * Earlier, narrower tests: connectors/google-workspace/google-workspace-{retry,access,tokens}.test.ts.
 */
const INSTANCE = 'gws-fault';
const FAST = { 'google-directory': { intervalCap: 1000, intervalMs: 1000, concurrency: 8 } };
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await closeDoubles();
});

/** The users stream's calls (projection=full), not the 2-Step Verification stream's (projection=basic). */
const USERS = (_m: string, p: string) => p.startsWith('/admin/directory/v1/users?') && p.includes('projection=full');

async function viaDouble(quirks: Partial<DirectoryQuirks>): Promise<CollectedCell & { d: DirectoryDouble }> {
  const d = await startDouble({ quirks: { pageSizeCap: 20, ...quirks } });
  const c = await collectCell({ connector: GOOGLE, instance: INSTANCE, config: configFor(d), env: { [KEY_ENV]: d.serviceAccount.json }, http: { pacing: FAST } });
  return { ...c, d, injected: d.requests.filter((r) => r.status !== 200).length };
}

async function viaProxy(rules: FaultRule[], http: { timeoutMs?: number } = {}): Promise<CollectedCell & { d: DirectoryDouble; proxy: FaultProxy }> {
  const d = await startDouble({ quirks: { pageSizeCap: 20 } });
  const proxy = await startFaultProxy({ target: new URL(d.rootUrl).origin, rules });
  proxies.push(proxy);
  const config = { ...configFor(d), endpoints: { directory: proxy.via(d.rootUrl), token: proxy.via(d.tokenUrl) } };
  const c = await collectCell({ connector: GOOGLE, instance: INSTANCE, config, env: { [KEY_ENV]: d.serviceAccount.json }, http: { pacing: FAST, ...http } });
  return { ...c, d, proxy, injected: proxy.requests.filter((r) => r.did !== 'pass').length };
}

const googleError = (code: number, reason: string, status: string) =>
  JSON.stringify({ error: { code, message: `simulated ${reason}`, errors: [{ message: `simulated ${reason}`, domain: 'global', reason }], status } });
const status = (code: number, reason: string, st: string, headers: Record<string, string> = {}) => ({ kind: 'status' as const, status: code, body: googleError(code, reason, st), headers });
const tokenRequests = (p: FaultProxy) => p.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/token')).length;

/** Page 2 of users answers with its own page token as the next one: a loop. */
function loopPageToken(body: string, path: string): string {
  const own = new URL(path, 'http://x').searchParams.get('pageToken');
  return own ? body.replace(/"nextPageToken":\s*"[^"]*"/, `"nextPageToken": ${JSON.stringify(own)}`) : body;
}

describe('google-workspace fault matrix', () => {
  matrix([
    { cell: '429 with Retry-After', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 2, action: status(429, 'rateLimitExceeded', 'RESOURCE_EXHAUSTED', { 'retry-after': '2' }) }]) },
    { cell: '429 without Retry-After', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 2, action: status(429, 'rateLimitExceeded', 'RESOURCE_EXHAUSTED') }]) },
    { cell: '429 for ever', stream: 'users', expect: 'throttled', run: () => viaProxy([{ match: USERS, from: 2, action: status(429, 'rateLimitExceeded', 'RESOURCE_EXHAUSTED') }]) },
    { cell: '500 once', stream: 'users', expect: 'recovers', run: () => viaDouble({ serverError: { on: 'users', times: 1, status: 500 } }) },
    { cell: '500 for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ serverError: { on: 'users', times: Infinity, status: 500 } }) },
    { cell: '502 once', stream: 'users', expect: 'recovers', run: () => viaDouble({ serverError: { on: 'users', times: 1, status: 502 } }) },
    { cell: '502 for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ serverError: { on: 'users', times: Infinity, status: 502 } }) },
    { cell: '503 once', stream: 'users', expect: 'recovers', run: () => viaDouble({ serverError: { on: 'users', times: 1, status: 503 } }) },
    { cell: '503 for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ serverError: { on: 'users', times: Infinity, status: 503 } }) },
    { cell: '504 once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: status(504, 'backendError', 'UNAVAILABLE') }]) },
    { cell: '504 for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: status(504, 'backendError', 'UNAVAILABLE') }]) },
    { cell: 'connection reset once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'reset' } }]) },
    { cell: 'connection reset for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'reset' } }]) },
    { cell: 'timeout once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'timeout for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'truncated body once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'truncate' } }]) },
    { cell: 'truncated body for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'truncate' } }]) },
    {
      cell: 'invalid JSON (a 200 whose body is not JSON)',
      stream: 'users',
      expect: 'invalid',
      run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'body', body: (b) => b.slice(0, Math.floor(b.length / 2)) } }]),
    },
    {
      cell: 'a page that fails schema validation (users is not a list)',
      stream: 'users',
      expect: 'invalid',
      run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'body', body: () => '{"kind":"admin#directory#users","users":{"id":"1"}}' } }]),
    },
    {
      cell: '401 when the token expires mid-paging',
      stream: 'users',
      expect: 'recovers',
      run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: status(401, 'authError', 'UNAUTHENTICATED') }]),
      also: (r) => {
        const { proxy } = r as CollectedCell & { proxy: FaultProxy };
        // The users scope's token was fetched again after the 401 (one per scope before it).
        expect(tokenRequests(proxy)).toBeGreaterThan(new Set(Object.values(SCOPES)).size - 2);
        expect(proxy.requests.filter((q) => USERS(q.method, q.path) && q.status === 401)).toHaveLength(1);
      },
    },
    { cell: '401 that a fresh token does not cure', stream: 'users', expect: 'auth', run: () => viaProxy([{ match: USERS, from: 2, action: status(401, 'authError', 'UNAUTHENTICATED') }]) },
    { cell: '403 missing permission (the admin lacks the privilege)', stream: 'users', expect: 'denied', run: () => viaDouble({ deniedScopes: [SCOPES.userReadonly, SCOPES.user] }) },
    { cell: 'missing licence', notApplicable: 'every Workspace edition serves these Directory API reads; there is no licence gate to hit' },
    { cell: 'nextLink (page token) loop', stream: 'users', expect: 'truncated', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'body', body: loopPageToken } }]) },
    { cell: 'nextLink to another origin', notApplicable: 'Google pages with an opaque nextPageToken sent back to the configured rootUrl: there is no URL to follow' },
    { cell: 'Google 403 userRateLimitExceeded, then recovery', stream: 'users', expect: 'recovers', run: () => viaDouble({ quotaErrors: { on: 'users', times: 2, reason: 'userRateLimitExceeded' } }) },
    { cell: 'Google 403 quotaExceeded for ever', stream: 'users', expect: 'throttled', run: () => viaDouble({ quotaErrors: { on: 'users', times: Infinity, reason: 'quotaExceeded' } }) },
    { cell: 'AWS Throttling and credential-report states', notApplicable: 'AWS only' },
  ]);
});
