import { afterEach, describe, expect } from 'vitest';
import type { AwsDouble, AwsQuirks } from '../../fixtures/aws-iam/index.ts';
import { AWS_IAM, closeDoubles, configFor, envFor, RUN_NOW, startDouble } from '../../connectors/aws-iam/aws-iam-test-harness.ts';
import { collectCell, matrix, type CollectedCell } from './fault-matrix.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from './fault-proxy.ts';

/**
 * AWS IAM (the AWS SDK v3 clients, our retry loop) under every fault of the matrix. The AWS double
 * models Throttling, denials and the credential report's states; the fault proxy adds 5xx, resets,
 * timeouts, bad XML, schema failures, ExpiredToken and a Marker loop on
 * GetAccountAuthorizationDetails (paged: MaxItems is capped so each account takes several pages).
 * Earlier, narrower tests: connectors/aws-iam/aws-iam-{access,report}.test.ts.
 */
const INSTANCE = 'aws-fault';
const FAST = { 'aws-iam': { intervalCap: 1000, intervalMs: 1000, concurrency: 4 } };
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await closeDoubles();
});

const DETAILS = (_m: string, _p: string, body: string) => body.includes('Action=GetAccountAuthorizationDetails');
const STORE = (_m: string, _p: string, body: string) => body.includes('"IdentityStoreId"');

async function viaDouble(quirks: Partial<AwsQuirks>, extra: Record<string, unknown> = {}): Promise<CollectedCell & { d: AwsDouble }> {
  const d = await startDouble({ quirks: { pageSizeCap: 3, ...quirks } });
  const c = await collectCell({ connector: AWS_IAM, instance: INSTANCE, config: configFor(d, extra), env: envFor(d), http: { pacing: FAST }, now: () => RUN_NOW });
  // A report still being generated is a 200: the polls beyond a healthy run's (at most 2 per
  // account, 2 accounts) count as the fault.
  const extraPolls = d.requests.filter((r) => r.action === 'GenerateCredentialReport').length - 4;
  return { ...c, d, injected: d.requests.filter((r) => r.status !== 200).length + Math.max(0, extraPolls) };
}

async function viaProxy(rules: FaultRule[], http: { timeoutMs?: number } = {}): Promise<CollectedCell & { d: AwsDouble; proxy: FaultProxy }> {
  const d = await startDouble({ quirks: { pageSizeCap: 3 } });
  const proxy = await startFaultProxy({ target: new URL(d.endpoint).origin, rules });
  proxies.push(proxy);
  const e = proxy.via(d.endpoint);
  const config = configFor(d, { endpoints: { iam: e, sts: e, organizations: e, identitystore: e } });
  const c = await collectCell({ connector: AWS_IAM, instance: INSTANCE, config, env: envFor(d), http: { pacing: FAST, ...http }, now: () => RUN_NOW });
  return { ...c, d, proxy, injected: proxy.requests.filter((r) => r.did !== 'pass').length };
}

const iamError = (status: number, code: string, type = 'Receiver') => ({
  kind: 'status' as const,
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code><Message>simulated ${code}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
});
const storeThrottle = (retryAfter?: string) => ({
  kind: 'status' as const,
  status: 429,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException', ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
  body: JSON.stringify({ __type: 'ThrottlingException', message: 'simulated throttling' }),
});

/** Page 2 of an account answers with the Marker it was asked for: a loop. */
function loopMarker(body: string, _path: string): string {
  return body.replace(/<Marker>([^<]*)<\/Marker>/, (_m, _own: string) => `<Marker>${LAST_MARKER.value}</Marker>`);
}
const LAST_MARKER = { value: '' };
const rememberMarker: FaultRule = {
  match: (_m, _p, body) => {
    const m = /Marker=([^&]+)/.exec(body);
    if (m) LAST_MARKER.value = decodeURIComponent(m[1]!);
    return false;
  },
  action: { kind: 'reset' },
};

describe('aws-iam fault matrix', () => {
  matrix([
    { cell: '429 with Retry-After (Identity Store)', stream: 'identity-center-users', expect: 'recovers', run: () => viaProxy([{ match: STORE, times: 2, action: storeThrottle('1') }]) },
    { cell: '429 without Retry-After (Identity Store)', stream: 'identity-center-users', expect: 'recovers', run: () => viaDouble({ throttle: { action: 'ListUsers', times: 2 } }) },
    { cell: '429 for ever (Identity Store)', stream: 'identity-center-users', expect: 'throttled', run: () => viaDouble({ throttle: { action: 'ListUsers', times: Infinity } }) },
    { cell: 'AWS Throttling (400) once', stream: 'admin-rights', expect: 'recovers', run: () => viaDouble({ throttle: { action: 'GetAccountAuthorizationDetails', times: 2 } }) },
    { cell: 'AWS Throttling (400) for ever', stream: 'admin-rights', expect: 'throttled', run: () => viaDouble({ throttle: { action: 'GetAccountAuthorizationDetails', times: Infinity } }) },
    ...([500, 502, 503, 504] as const).flatMap((s) => {
      const code = s === 503 ? 'ServiceUnavailable' : 'ServiceFailure';
      return [
        { cell: `${s} once`, stream: 'admin-rights', expect: 'recovers' as const, run: () => viaProxy([{ match: DETAILS, from: 2, times: 1, action: iamError(s, code) }]) },
        { cell: `${s} for ever`, stream: 'admin-rights', expect: 'transient' as const, run: () => viaProxy([{ match: DETAILS, from: 2, action: iamError(s, code) }]) },
      ];
    }),
    { cell: 'connection reset once', stream: 'admin-rights', expect: 'recovers', run: () => viaProxy([{ match: DETAILS, from: 2, times: 1, action: { kind: 'reset' } }]) },
    { cell: 'connection reset for ever', stream: 'admin-rights', expect: 'transient', run: () => viaProxy([{ match: DETAILS, from: 2, action: { kind: 'reset' } }]) },
    { cell: 'timeout once', stream: 'admin-rights', expect: 'recovers', run: () => viaProxy([{ match: DETAILS, from: 2, times: 1, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'timeout for ever', stream: 'admin-rights', expect: 'transient', run: () => viaProxy([{ match: DETAILS, from: 2, action: { kind: 'hang' } }], { timeoutMs: 300 }) },
    { cell: 'truncated body once', stream: 'admin-rights', expect: 'recovers', run: () => viaProxy([{ match: DETAILS, from: 2, times: 1, action: { kind: 'truncate' } }]) },
    { cell: 'truncated body for ever', stream: 'admin-rights', expect: 'transient', run: () => viaProxy([{ match: DETAILS, from: 2, action: { kind: 'truncate' } }]) },
    {
      cell: 'invalid XML (a 200 cut off inside the document)',
      stream: 'admin-rights',
      expect: 'invalid',
      run: () => viaProxy([{ match: DETAILS, from: 2, action: { kind: 'body', body: (b) => b.slice(0, Math.floor(b.length / 2)) } }]),
    },
    {
      cell: 'a page that fails schema validation (IsTruncated without a Marker)',
      stream: 'admin-rights',
      expect: 'truncated',
      run: () => viaProxy([{ match: DETAILS, from: 1, times: 1, action: { kind: 'body', body: (b) => b.replace(/<Marker>[^<]*<\/Marker>/, '') } }]),
    },
    {
      cell: 'a broken credential report (a row of the wrong width)',
      stream: 'credential-report',
      expect: 'invalid',
      run: () => viaDouble({ malformedCsvRow: true }),
    },
    {
      // AWS signs each request with the keys (no bearer to refresh). An assumed role's session is
      // renewed before it expires (cell below); one refused earlier than its expiry is recorded.
      cell: '401-equivalent: ExpiredToken mid-paging',
      stream: 'admin-rights',
      expect: 'auth',
      run: () => viaProxy([{ match: DETAILS, from: 2, times: 1, action: iamError(403, 'ExpiredToken', 'Sender') }]),
    },
    {
      cell: 'an assumed-role session expiring mid-run (renewed before it lapses)',
      stream: 'admin-rights',
      expect: 'recovers',
      run: async () => {
        // AWS's clock runs five minutes per look, so each one-hour session lapses during the run.
        let t = RUN_NOW.getTime();
        const d = await startDouble({ quirks: { pageSizeCap: 3 }, now: () => new Date((t += 5 * 60_000)) });
        const c = await collectCell({ connector: AWS_IAM, instance: INSTANCE, config: configFor(d), env: envFor(d), http: { pacing: FAST }, now: () => new Date(t) });
        const assumed = d.requests.filter((r) => r.action === 'AssumeRole').length;
        expect(d.requests.some((r) => r.status !== 200 && r.action !== 'GenerateCredentialReport')).toBe(false);
        return { ...c, injected: assumed - 2 };
      },
    },
    { cell: '403 missing permission', stream: 'admin-rights', expect: 'denied', run: () => viaDouble({ deniedActions: ['iam:GetAccountAuthorizationDetails'] }) },
    { cell: 'missing licence', notApplicable: 'IAM has no licence tiers; every account serves these APIs' },
    { cell: 'nextLink (Marker) loop', stream: 'admin-rights', expect: 'truncated', run: () => viaProxy([rememberMarker, { match: DETAILS, from: 3, times: 1, action: { kind: 'body', body: loopMarker } }]) },
    { cell: 'nextLink to another origin', notApplicable: 'IAM pages with an opaque Marker sent back to the configured endpoint: there is no URL to follow' },
    { cell: 'Google 403 quota errors', notApplicable: 'Google only; AWS throttles with Throttling / 429 (cells above)' },
    { cell: 'credential report in progress for several polls', stream: 'credential-report', expect: 'recovers', run: () => viaDouble({ reportNotReadyPolls: 3 }) },
    { cell: 'credential report ReportInProgress (404) on Get', stream: 'credential-report', expect: 'recovers', run: () => viaDouble({ reportCompleteEarly: true, reportNotReadyPolls: 2 }) },
    { cell: 'credential report ReportExpired (410)', stream: 'credential-report', expect: 'recovers', run: () => viaDouble({ reportExpiredOnce: true }) },
    {
      cell: 'credential report never ready',
      stream: 'credential-report',
      expect: 'transient',
      run: () => viaDouble({ reportNotReadyPolls: 1000 }, { credentialReportWaitSeconds: 10 }),
    },
    {
      cell: 'credential report older than credentialReportMaxAgeHours',
      stream: 'mfa',
      expect: 'transient',
      run: () => viaDouble({ reportStale: { hours: 6 } }),
      also: (r) => expect(r.outcomes.get('access-keys')!.status).toBe('partial'),
    },
  ]);
});
