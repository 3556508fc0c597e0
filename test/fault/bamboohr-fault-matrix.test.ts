import { afterEach, describe, expect } from 'vitest';
import type { BambooDouble, BambooQuirks } from '../../fixtures/bamboohr/index.ts';
import { BAMBOO, closeDoubles, configFor, KEY_ENV, NOW, startDouble } from '../../connectors/bamboohr/bamboo-test-harness.ts';
import { collectCell, evaluateSnapshot, matrix, type CellRun, type CollectedCell } from './fault-matrix.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.ts';

/**
 * BambooHR (one custom report per run, not paged) under every fault of the matrix that can reach
 * it. Earlier, narrower tests: connectors/bamboohr/bamboohr-faults.test.ts.
 */
const INSTANCE = 'bamboo-fault';
const FAST = { bamboohr: { intervalCap: 1000, intervalMs: 1000, concurrency: 4 } };
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await closeDoubles();
});

const REPORT = (m: string, p: string) => m === 'POST' && p.includes('/reports/custom');

async function viaDouble(quirks: Partial<BambooQuirks>): Promise<CollectedCell & { d: BambooDouble }> {
  const d = await startDouble({ quirks });
  const c = await collectCell({ connector: BAMBOO, instance: INSTANCE, config: configFor(d), env: { [KEY_ENV]: d.apiKey }, http: { pacing: FAST }, now: () => NOW });
  return { ...c, d, injected: d.requests.filter((r) => r.status !== 200).length };
}

async function viaProxy(rules: FaultRule[], http: { timeoutMs?: number } = {}): Promise<CollectedCell & { proxy: FaultProxy }> {
  const d = await startDouble();
  const proxy = await startFaultProxy({ target: new URL(d.apiBase).origin, rules });
  proxies.push(proxy);
  const config = configFor(d, { endpoints: { api: proxy.via(d.apiBase) } });
  const c = await collectCell({ connector: BAMBOO, instance: INSTANCE, config, env: { [KEY_ENV]: d.apiKey }, http: { pacing: FAST, ...http }, now: () => NOW });
  return { ...c, proxy, injected: proxy.requests.filter((r) => r.did !== 'pass').length };
}

/** Who left comes from HR: without it, leaver-access must not pass either. */
function leaversNotPassed(r: CellRun): void {
  const leaver = evaluateSnapshot(r.snapshot).find((x) => x.ruleId === 'leaver-access')!;
  expect(leaver.status).not.toBe('pass');
}

const NOT_PAGED = 'a custom report is one request and one page: there is no paging to loop or leave the origin';

describe('bamboohr fault matrix', () => {
  matrix([
    { cell: '429 with Retry-After', stream: 'employees', expect: 'recovers', run: () => viaDouble({ throttle: { times: 2, status: 429, retryAfterSeconds: 2 } }) },
    { cell: '429 without Retry-After', stream: 'employees', expect: 'recovers', run: () => viaDouble({ throttle: { times: 2, status: 429, retryAfterSeconds: null } }) },
    { cell: '429 for ever', stream: 'employees', expect: 'throttled', run: () => viaDouble({ throttle: { times: Infinity, status: 429, retryAfterSeconds: 1 } }), also: leaversNotPassed },
    ...([500, 502, 503, 504] as const).flatMap((status) => [
      { cell: `${status} once`, stream: 'employees', expect: 'recovers' as const, run: () => viaDouble({ serverError: { times: 1, status } }) },
      { cell: `${status} for ever`, stream: 'employees', expect: 'transient' as const, run: () => viaDouble({ serverError: { times: Infinity, status } }), also: leaversNotPassed },
    ]),
    { cell: 'connection reset once', stream: 'employees', expect: 'recovers', run: () => viaProxy([{ match: REPORT, times: 1, action: { kind: 'reset' } }]) },
    { cell: 'connection reset for ever', stream: 'employees', expect: 'transient', run: () => viaProxy([{ match: REPORT, action: { kind: 'reset' } }]) },
    { cell: 'timeout once', stream: 'employees', expect: 'recovers', run: () => viaProxy([{ match: REPORT, times: 1, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'timeout for ever', stream: 'employees', expect: 'transient', run: () => viaProxy([{ match: REPORT, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'connection cut mid-body once', stream: 'employees', expect: 'recovers', run: () => viaProxy([{ match: REPORT, times: 1, action: { kind: 'truncate' } }]) },
    { cell: 'connection cut mid-body for ever', stream: 'employees', expect: 'transient', run: () => viaProxy([{ match: REPORT, action: { kind: 'truncate' } }]) },
    { cell: 'invalid JSON (a 200 cut off inside the JSON)', stream: 'employees', expect: 'invalid', run: () => viaDouble({ truncatedBody: true }), also: leaversNotPassed },
    {
      cell: 'a page that fails schema validation (employees is not a list)',
      stream: 'employees',
      expect: 'invalid',
      run: () => viaProxy([{ match: REPORT, action: { kind: 'body', body: () => '{"title":"Evidentia","fields":[],"employees":{"id":"1"}}' } }]),
      also: leaversNotPassed,
    },
    { cell: '401 (an API key revoked or wrong)', stream: 'employees', expect: 'auth', run: () => viaProxy([{ match: REPORT, action: { kind: 'status', status: 401, body: '' } }]) },
    { cell: '401 when a token expires mid-paging', notApplicable: 'BambooHR uses a long-lived API key, not an expiring token, and the report is not paged (the 401 cell above covers a refused key)' },
    { cell: '403 missing permission', stream: 'employees', expect: 'denied', run: () => viaDouble({ reportsForbidden: true }), also: leaversNotPassed },
    { cell: 'missing licence', notApplicable: 'the API serves every BambooHR plan; missing access shows as 403 or hidden fields' },
    { cell: 'nextLink loop', notApplicable: NOT_PAGED },
    { cell: 'nextLink to another origin', notApplicable: NOT_PAGED },
    { cell: 'Google 403 quota errors', notApplicable: 'Google only' },
    { cell: 'AWS Throttling and credential-report states', notApplicable: 'AWS only' },
  ]);
});
