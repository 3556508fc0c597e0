import { afterEach, describe, expect } from 'vitest';
import { generateTenant, type GraphDouble, type GraphQuirks } from '../../fixtures/m365/index.ts';
import { closeDoubles, configFor, M365, SECRET_ENV, sharedTls, startDouble } from '../../connectors/m365/m365-test-harness.ts';
import { collectCell, matrix, type CollectedCell } from './fault-matrix.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.ts';

/**
 * Microsoft 365 (Graph over HTTPS, the real Graph SDK and @azure/identity) under every fault of the
 * matrix. Faults Graph's double models itself are switched on there; the rest (502/504, timeouts,
 * a page that parses but is not a Graph page) come from a fault proxy in front of it.
 * Earlier, narrower tests of some cells: connectors/m365/m365-quirks-{retry,paging,access}.test.ts.
 */
const tenant = generateTenant({ users: 60, seed: 7 });
const INSTANCE = 'm365-fault';
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await closeDoubles();
});

const USERS = (_m: string, p: string) => p.startsWith('/v1.0/users?');

async function viaDouble(quirks: Partial<GraphQuirks>): Promise<CollectedCell & { d: GraphDouble }> {
  const d = await startDouble({ tenant, quirks: { pageSizeCap: 20, ...quirks } });
  const c = await collectCell({ connector: M365, instance: INSTANCE, config: configFor(d), env: { [SECRET_ENV]: d.clientSecret }, http: { ca: d.ca, pacing: FAST } });
  return { ...c, d, injected: d.requests.filter((r) => r.status !== 200).length };
}

async function viaProxy(rules: FaultRule[], http: { timeoutMs?: number } = {}): Promise<CollectedCell & { d: GraphDouble; proxy: FaultProxy }> {
  const d = await startDouble({ tenant, quirks: { pageSizeCap: 20 } });
  const tls = await sharedTls();
  const proxy = await startFaultProxy({ target: d.graphBaseUrl, rules, tls: { ...tls, ca: d.ca } });
  proxies.push(proxy);
  const config = { ...configFor(d), endpoints: { graph: proxy.origin, authority: d.authorityHost } };
  const c = await collectCell({ connector: M365, instance: INSTANCE, config, env: { [SECRET_ENV]: d.clientSecret }, http: { ca: d.ca, pacing: FAST, ...http } });
  return { ...c, d, proxy, injected: proxy.requests.filter((r) => r.did !== 'pass').length };
}

const FAST = { 'graph-signin': { intervalCap: 1000, intervalMs: 1000 }, 'graph-reports': { intervalCap: 1000, intervalMs: 1000 } };
const usersStatuses = (d: GraphDouble) => d.requests.filter((r) => r.path.startsWith('/v1.0/users')).map((r) => r.status);
const graphError = (status: number, code: string) => JSON.stringify({ error: { code, message: `simulated ${status}`, innerError: { date: '2026-11-20T09:00:00', 'request-id': 'x' } } });

describe('m365 fault matrix', () => {
  matrix([
    {
      cell: '429 with Retry-After',
      stream: 'users',
      expect: 'recovers',
      run: () => viaDouble({ throttle: [{ pathPrefix: '/users', times: 2, retryAfterSeconds: 3 }] }),
      also: (r) => expect((r as CollectedCell).waits.sleeps.slice(0, 2)).toEqual([3000, 3000]),
    },
    { cell: '429 without Retry-After', stream: 'users', expect: 'recovers', run: () => viaDouble({ throttle: [{ pathPrefix: '/users', times: 2 }] }) },
    { cell: '429 for ever', stream: 'users', expect: 'throttled', run: () => viaDouble({ throttle: [{ pathPrefix: '/users', times: 1000, retryAfterSeconds: 1 }] }) },
    { cell: '500 once', stream: 'users', expect: 'recovers', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'status500', times: 1 } }) },
    { cell: '500 for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'status500' } }) },
    { cell: '502 once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'status', status: 502, body: graphError(502, 'BadGateway') } }]) },
    { cell: '502 for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'status', status: 502, body: graphError(502, 'BadGateway') } }]) },
    { cell: '503 once', stream: 'users', expect: 'recovers', run: () => viaDouble({ throttle: [{ pathPrefix: '/users', times: 1, status: 503 }] }) },
    { cell: '503 for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ throttle: [{ pathPrefix: '/users', times: 1000, status: 503, retryAfterSeconds: 1 }] }) },
    { cell: '504 once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'status', status: 504, body: graphError(504, 'GatewayTimeout') } }]) },
    { cell: '504 for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'status', status: 504, body: graphError(504, 'GatewayTimeout') } }]) },
    { cell: 'connection reset once', stream: 'users', expect: 'recovers', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'reset', times: 1 } }) },
    { cell: 'connection reset for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'reset' } }) },
    { cell: 'timeout once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'timeout for ever', stream: 'users', expect: 'transient', run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'truncated body once', stream: 'users', expect: 'recovers', run: () => viaProxy([{ match: USERS, from: 2, times: 1, action: { kind: 'truncate' } }]) },
    { cell: 'truncated body for ever', stream: 'users', expect: 'transient', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'truncated' } }) },
    { cell: 'invalid JSON', stream: 'users', expect: 'invalid', run: () => viaDouble({ failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'invalid_json' } }) },
    {
      cell: 'a page that fails schema validation (value is not a list)',
      stream: 'users',
      expect: 'invalid',
      run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'body', body: () => '{"@odata.context":"x","value":{"id":"not-a-list"}}' } }]),
    },
    {
      cell: 'a page that fails schema validation (a user without id)',
      stream: 'users',
      expect: 'invalid',
      run: () => viaProxy([{ match: USERS, from: 2, action: { kind: 'body', body: (b) => b.replace(/"id":"[^"]+",/, '') } }]),
    },
    {
      cell: '401 when the token expires mid-paging',
      stream: 'users',
      expect: 'recovers',
      run: () => viaDouble({ expireTokensAfter: 4 }),
      also: (r) => {
        const { d } = r as CollectedCell & { d: GraphDouble };
        expect(usersStatuses(d)).toContain(401);
        expect(d.counts()['POST /{tenant}/oauth2/v2.0/token']).toBeGreaterThan(1);
      },
    },
    { cell: '401 that a fresh token does not cure', stream: 'users', expect: 'auth', run: () => viaDouble({ expireTokensAfter: 0 }) },
    { cell: '403 missing permission', stream: 'users', expect: 'denied', run: () => viaDouble({ deniedPermissions: ['User.Read.All', 'Directory.Read.All'] }) },
    { cell: 'missing licence (no Entra ID P1/P2)', stream: 'mfa-registration', expect: 'unlicensed', run: () => viaDouble({ unlicensed: true }) },
    { cell: 'nextLink loop', stream: 'users', expect: 'truncated', run: () => viaDouble({ nextLinkLoop: '/users' }) },
    {
      cell: 'nextLink to another origin',
      stream: 'users',
      expect: 'truncated',
      run: () => viaDouble({ foreignNextLink: '/users' }),
      also: (r) => {
        const { d } = r as CollectedCell & { d: GraphDouble };
        expect(d.requests.every((q) => !q.path.includes('evil'))).toBe(true);
      },
    },
    { cell: 'Google 403 quota errors', notApplicable: 'Graph signals quota with 429/503 (cells above), never a 403' },
    { cell: 'AWS Throttling and credential-report states', notApplicable: 'AWS only' },
  ]);
});
