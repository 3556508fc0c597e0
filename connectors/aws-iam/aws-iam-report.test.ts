import { afterEach, describe, expect, it } from 'vitest';
import { outcomeUsableFor } from '../../src/core/stream-outcome.ts';
import { DEV_ACCOUNT_ID, PROD_ACCOUNT_ID } from '../../fixtures/aws-iam/index.ts';
import { closeDoubles, collect, configFor, demoOrg, startDouble, summary, type Collected } from './aws-iam-test-harness.ts';

/** The credential report and what is mapped from it, through the real IAM client against the double. */
afterEach(closeDoubles);

const scenario = () => demoOrg().scenario;
const acct = (id: string) => scenario().accounts.find((a) => a.accountId === id)!;
const REPORT_STREAMS = ['credential-report', 'mfa', 'access-keys'] as const;
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('credential report: generate, poll, get', () => {
  it('polls STARTED → INPROGRESS → COMPLETE with injected waits, once per account for all three streams', async () => {
    const d = await startDouble();
    const c = await collect(d, { only: [...REPORT_STREAMS] });
    expect(summary(c)).toMatchObject({ 'credential-report': 'complete', mfa: 'complete', 'access-keys': 'complete' });
    // Three Generates (STARTED, INPROGRESS, COMPLETE) and one Get per account, shared by the three streams.
    expect(d.counts()).toMatchObject({ 'iam:GenerateCredentialReport': 6, 'iam:GetCredentialReport': 2 });
    expect(c.sleeps).toEqual([1000, 2000, 1000, 2000]);
    // Each stream stores AWS's response as received: the XML with GeneratedTime (which decides
    // staleness) and the base64 Content the entities were decoded from.
    for (const s of REPORT_STREAMS) {
      expect(c.pages.get(s)).toHaveLength(2);
      const body = c.pages.get(s)![0]!;
      expect(body).toMatch(/^<GetCredentialReportResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/">/);
      expect(body).toMatch(/<GeneratedTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/GeneratedTime>/);
      expect(body).toContain('<ReportFormat>text/csv</ReportFormat>');
      const content = /<Content>([A-Za-z0-9+/=]+)<\/Content>/.exec(body)![1]!;
      expect(Buffer.from(content, 'base64').toString('utf8').startsWith('user,arn,user_creation_time,password_enabled,')).toBe(true);
    }
  });

  it('the stored report page carries the GeneratedTime the staleness check used', async () => {
    const d = await startDouble();
    const c = await collect(d, { only: ['credential-report'] });
    const accounts = c.entities('account').filter((a) => a.attributes.credentialReportGeneratedAt);
    expect(accounts.length).toBeGreaterThan(0);
    const stored = c.pages.get('credential-report')!.map((b) => /<GeneratedTime>([^<]+)<\/GeneratedTime>/.exec(b)?.[1]);
    for (const a of accounts) expect(stored.map((t) => new Date(t!).toISOString())).toContain(a.attributes.credentialReportGeneratedAt);
  });

  it('recovers from a report that stays in progress for several polls', async () => {
    const d = await startDouble({ quirks: { reportNotReadyPolls: 4 } });
    const c = await collect(d, { only: ['credential-report'] });
    expect(summary(c)['credential-report']).toBe('complete');
    expect(d.counts()['iam:GenerateCredentialReport']).toBe(12);
    expect(c.sleeps).toEqual([1000, 2000, 4000, 8000, 15000, 1000, 2000, 4000, 8000, 15000]);
  });

  it('recovers from GetCredentialReport answering ReportInProgress (404) and ReportExpired (410)', async () => {
    const d = await startDouble({ quirks: { reportCompleteEarly: true, reportNotReadyPolls: 2, reportExpiredOnce: true } });
    const c = await collect(d, { only: ['credential-report'] });
    expect(summary(c)['credential-report']).toBe('complete');
    const statuses = d.requests.filter((r) => r.action === 'GetCredentialReport').map((r) => r.status);
    expect(statuses).toContain(404);
    expect(statuses).toContain(410);
    expect(c.entities('account').filter((a) => a.attributes.awsAccountId === PROD_ACCOUNT_ID)).toHaveLength(acct(PROD_ACCOUNT_ID).users.length + 1);
  });

  it('gives up after credentialReportWaitSeconds with a transient failure naming the account', async () => {
    const d = await startDouble({ quirks: { reportNotReadyPolls: 1000 } });
    const c = await collect(d, { only: ['credential-report'], config: configFor(d, { credentialReportWaitSeconds: 10 }) });
    const o = c.outcomes.get('credential-report')!;
    expect(o.status).toBe('failed');
    expect(o.failures.map((f) => f.kind)).toEqual(['transient', 'transient']);
    expect(o.failures[0]!.detail).toMatch(/111111111111 \(prod\).*not ready after 7 s/);
    expect(c.sleeps.reduce((a, b) => a + b, 0)).toBe(14_000);
  });

  it('records a report older than credentialReportMaxAgeHours on every stream reading it, so rules cannot rely on it', async () => {
    const d = await startDouble({ quirks: { reportStale: { hours: 6 } } });
    const c = await collect(d, { only: [...REPORT_STREAMS] });
    expect(d.counts()['iam:GenerateCredentialReport']).toBe(2); // COMPLETE at once: IAM does not regenerate
    for (const s of REPORT_STREAMS) {
      const o = c.outcomes.get(s)!;
      expect(o.status, s).toBe('partial');
      expect(o.failures.map((f) => f.kind)).toEqual(['transient', 'transient']);
      expect(o.failures[0]!.detail).toMatch(/generated at 2026-11-20T03:30:00\.000Z, 6\.5 h before this run, older than credentialReportMaxAgeHours \(4 h\)/);
      expect(outcomeUsableFor(o, ['registered']).usable).toBe(false);
    }
    // The rows are still stored as evidence of what AWS served.
    expect(c.entities('mfa').length).toBeGreaterThan(0);
  });
});

describe('mapping the report', () => {
  let base: Collected | undefined;
  const healthy = async () => (base ??= await collect(await startDouble(), { only: [...REPORT_STREAMS, 'admin-rights'] }));

  it('reads columns by header name: a report with its columns reversed maps to the same records', async () => {
    const c0 = await healthy();
    const d = await startDouble({ quirks: { reorderCsvColumns: true } });
    const c = await collect(d, { only: [...REPORT_STREAMS, 'admin-rights'] });
    expect(summary(c)).toMatchObject({ 'credential-report': 'complete', mfa: 'complete', 'access-keys': 'complete' });
    const content = /<Content>([A-Za-z0-9+/=]+)<\/Content>/.exec(c.pages.get('credential-report')![0]!)![1]!;
    expect(Buffer.from(content, 'base64').toString('utf8').startsWith('cert_2_last_rotated,cert_2_active,')).toBe(true);
    for (const kind of ['account', 'mfa', 'access_key'] as const) expect(sorted(c.entities(kind))).toEqual(sorted(c0.entities(kind)));
  });

  it('maps the root rows: prod root with MFA and no keys, dev root without MFA and with an active key', async () => {
    const c = await healthy();
    const root = (id: string) => c.entities('account').find((a) => a.key === `arn:aws:iam::${id}:root`)!;
    expect(root(PROD_ACCOUNT_ID)).toMatchObject({ vendorType: 'root', username: '<root_account>', enabled: true, attributes: { passwordEnabled: 'not_supported', awsAccountId: PROD_ACCOUNT_ID } });
    expect(root(DEV_ACCOUNT_ID).displayName).toBe('root user of AWS account 222222222222 (dev)');
    const mfa = (id: string) => c.entities('mfa').find((m) => m.accountKey === `arn:aws:iam::${id}:root`)!;
    expect(mfa(PROD_ACCOUNT_ID)).toMatchObject({ registered: true, enforced: null, methods: [], methodsKnown: false });
    expect(mfa(DEV_ACCOUNT_ID).registered).toBe(false);
    const rootKeys = c.entities('access_key').filter((k) => k.accountKey.endsWith(':root'));
    expect(rootKeys.map((k) => [k.keyId, k.active])).toEqual([[`arn:aws:iam::${DEV_ACCOUNT_ID}:root#1`, true]]);
    expect(acct(DEV_ACCOUNT_ID)).toMatchObject({ rootMfa: false, rootActiveKeys: 1 });
  });

  it('maps users: console members, key-only service users with the reason, no_information as never, e-mail from tags', async () => {
    const c = await healthy();
    const user = (name: string, id = PROD_ACCOUNT_ID) => c.entities('account').find((a) => a.attributes.awsAccountId === id && a.username === name)!;
    const prod = acct(PROD_ACCOUNT_ID);
    for (const name of prod.serviceUsers) expect(user(name).vendorType, name).toBe('service');
    expect(user('ci-deploy').attributes.serviceReason).toBe('no console password; programmatic access only (2 active access keys)');
    expect(user('old-jenkins')).toMatchObject({ enabled: false, vendorType: 'service' });
    const never = user(prod.neverSignedIn[0]!);
    expect(never.signIn).toEqual({ lastSuccessfulAt: null, lastInteractiveAt: null, lastNonInteractiveAt: null });
    expect(never.attributes.passwordLastUsed).toBe('no_information');
    const consoleUser = user(prod.consoleUsers[0]!);
    expect(consoleUser).toMatchObject({ vendorType: 'member', enabled: true, email: `${prod.consoleUsers[0]}@contoso.com` });
    expect(consoleUser.attributes.iamUserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    const noMfa = new Set(c.entities('mfa').filter((m) => !m.registered && m.accountKey.includes(':111111111111:user/')).map((m) => m.accountKey.split('/').pop()));
    for (const name of prod.consoleUsersWithoutMfa) expect(noMfa.has(name), name).toBe(true);
  });

  it('maps access keys per slot: unused and unrotated keys, inactive keys, the leaver\'s key used after leaving', async () => {
    const c = await healthy();
    const keys = new Map(c.entities('access_key').map((k) => [k.keyId, k]));
    const now = Date.parse(scenario().now);
    const old = (t: string | null) => t !== null && Date.parse(t) < now - 90 * 86_400_000;
    const unused = [...keys.values()].filter((k) => k.active && old(k.lastUsedAt ?? k.lastRotatedAt)).map((k) => k.keyId);
    const unrotated = [...keys.values()].filter((k) => k.active && old(k.lastRotatedAt)).map((k) => k.keyId);
    const expected = scenario().accounts.filter((a) => a.accountId !== '999999999999');
    expect(unused.sort()).toEqual(expected.flatMap((a) => a.keysUnused90d).sort());
    expect(unrotated.sort()).toEqual(expected.flatMap((a) => a.keysNotRotated90d).sort());
    const ci1 = keys.get('arn:aws:iam::111111111111:user/service/ci-deploy#1')!;
    expect(ci1.active).toBe(true);
    expect(ci1.createdAt).toBe(ci1.lastRotatedAt);
    expect(keys.get('arn:aws:iam::111111111111:user/service/old-jenkins#1')?.active).toBe(false);
    const leaver = scenario().leaver;
    const k = keys.get(`${leaver.arn}#1`)!;
    expect(k.active).toBe(true);
    expect(Date.parse(k.lastUsedAt!)).toBeGreaterThan(Date.parse(leaver.leaveDate));
  });

  it('records a malformed row as invalid (naming line and account) and maps every other row', async () => {
    const c0 = await healthy();
    const d = await startDouble({ quirks: { malformedCsvRow: true } });
    const c = await collect(d, { only: ['credential-report'] });
    const o = c.outcomes.get('credential-report')!;
    expect(o.status).toBe('partial');
    expect(o.failures.map((f) => f.kind)).toEqual(['invalid', 'invalid']);
    expect(o.failures[0]!.detail).toMatch(/account 111111111111 \(prod\), line \d+: 4 fields where the header has 22; the row was not counted/);
    expect(c.entities('account').length).toBe(c0.entities('account').length);
  });
});

describe('admin rights', () => {
  it('finds every admin path (direct, group, inline "*", customer-managed iam:*) with principalKey = the report account key', async () => {
    const d = await startDouble();
    const c = await collect(d, { only: ['credential-report', 'admin-rights'] });
    expect(summary(c)['admin-rights']).toBe('complete');
    const privileged = c.entities('role_assignment').filter((r) => r.privileged);
    const expected = scenario().accounts.flatMap((a) => (a.accountId === '999999999999' ? [] : a.admins));
    expect(privileged).toHaveLength(expected.length);
    const reasons = privileged.map((r) => `${r.principalKey} ${r.privilegeReason}`);
    for (const e of expected) expect(reasons.some((r) => r.startsWith(`${e.arn} `)), `${e.user}: ${e.via}`).toBe(true);
    expect(reasons).toContain(`${expected.find((e) => e.via.includes('group Admins'))!.arn} AdministratorAccess attached through group Admins`);
    expect(reasons.some((r) => /inline policy ops-break-glass allows Action "\*" on Resource "\*"$/.test(r))).toBe(true);
    expect(reasons.some((r) => /legacy-iam-admin \(default version v2\) allows Action "iam:\*"/.test(r))).toBe(true);
    const accountKeys = new Set(c.entities('account').map((a) => a.key));
    for (const r of c.entities('role_assignment')) expect(accountKeys.has(r.principalKey), r.principalKey).toBe(true);
    // Non-admin grants are kept for access reviews, marked not privileged.
    expect(c.entities('role_assignment').find((r) => r.roleName === 'PowerUserAccess')).toMatchObject({ privileged: false, scope: 'aws-account:111111111111' });
  });
});
