import { afterEach, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT_ID, generateAwsOrg, MANAGEMENT_ACCOUNT_ID, PROD_ACCOUNT_ID, AUDIT_ROLE_NAME } from '../../fixtures/aws-iam/index.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { check, closeDoubles, collect, configFor, demoOrg, envFor, ENV_NAMES, startDouble, summary } from './aws-iam-test-harness.ts';

/** Throttling, denials, account reach, discovery and credentials, through the real SDK clients. */
afterEach(closeDoubles);

describe('throttling', () => {
  it('recovers from Throttling (HTTP 400) through our retry loop, with backoff waits injected', async () => {
    const d = await startDouble({ quirks: { throttle: { action: 'GetAccountAuthorizationDetails', times: 3 } } });
    const c = await collect(d, { only: ['admin-rights'] });
    expect(summary(c)['admin-rights']).toBe('complete');
    expect(d.requests.filter((r) => r.action === 'GetAccountAuthorizationDetails').map((r) => r.status)).toEqual([400, 400, 400, 200, 200]);
    const stats = c.http.stats.snapshot()['aws-iam']!;
    expect(stats.retries.throttled).toBe(3);
    expect(stats.throttled).toBe(3);
    // The SDK itself made one attempt per call (maxAttempts: 1): every retry above is ours.
    expect(c.sleeps.length).toBe(3);
  });

  it('records `throttled` when AWS keeps throttling, after the policy\'s attempts, per account', async () => {
    const d = await startDouble({ quirks: { throttle: { action: 'GetAccountAuthorizationDetails', times: Infinity } } });
    const c = await collect(d, { only: ['admin-rights', 'credential-report'] });
    const o = c.outcomes.get('admin-rights')!;
    expect(o.status).toBe('failed');
    expect(o.failures.map((f) => f.kind)).toEqual(['throttled', 'throttled']);
    expect(o.failures[0]!.detail).toMatch(/iam:GetAccountAuthorizationDetails in account 111111111111 \(prod\) stayed throttled.*5 attempts/);
    expect(d.requests.filter((r) => r.action === 'GetAccountAuthorizationDetails')).toHaveLength(10);
    // The accounts lose only their e-mail tags.
    expect(summary(c)['credential-report']).toBe('partial[throttled:email,throttled:email]');
  });

  it('retries a throttled AssumeRole and Identity Store 429 the same way', async () => {
    const d = await startDouble({ quirks: { throttle: { action: 'AssumeRole', times: 2 } } });
    const c = await collect(d, { only: ['mfa'] });
    expect(summary(c).mfa).toBe('complete');
    d.setQuirks({ throttle: { action: 'ListUsers', times: 1 } });
    const c2 = await collect(d, { only: ['identity-center-users'] });
    expect(summary(c2)['identity-center-users']).toBe('complete');
    expect(d.requests.filter((r) => r.action === 'ListUsers').map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('slow responses', () => {
  it('gives each attempt the run\'s timeout (http.timeoutMs) and records a transient failure when AWS is too slow', async () => {
    const d = await startDouble({ quirks: { latencyMs: 400 } });
    const c = await collect(d, { only: ['identity-center-users'], timeoutMs: 100, retry: { maxAttempts: 2 } });
    expect(summary(c)['identity-center-users']).toBe('failed[transient]');
    expect(c.outcomes.get('identity-center-users')!.failures[0]!.detail).toMatch(/identitystore:ListUsers failed .*TimeoutError.*2 attempts/);
    const fine = await collect(d, { only: ['identity-center-users'] });
    expect(summary(fine)['identity-center-users']).toBe('complete');
  });
});

describe('denials and unreachable accounts', () => {
  it('denied GetAccountAuthorizationDetails: admin-rights fails as `denied`, naming the action and the account', async () => {
    const d = await startDouble({ quirks: { deniedActions: ['iam:GetAccountAuthorizationDetails'] } });
    const c = await collect(d);
    const o = c.outcomes.get('admin-rights')!;
    expect(o.status).toBe('failed');
    expect(o.failures).toHaveLength(2);
    expect(o.failures[0]).toMatchObject({ kind: 'denied', needs: 'iam:GetAccountAuthorizationDetails' });
    expect(o.failures[0]!.detail).toContain(`in account ${PROD_ACCOUNT_ID} (prod)`);
    expect(o.failures[0]!.detail).toContain(`User: arn:aws:sts::${PROD_ACCOUNT_ID}:assumed-role/${AUDIT_ROLE_NAME}/evidentia is not authorized to perform: iam:GetAccountAuthorizationDetails on resource: *`);
    // AWS's refusal is kept as the evidence page.
    expect(c.pages.get('admin-rights')![0]).toContain('<Code>AccessDenied</Code>');
    expect(summary(c)).toMatchObject({ mfa: 'complete', 'access-keys': 'complete', 'credential-report': 'partial[denied:email,denied:email]' });
  });

  it('AssumeRole refused for one account: that account\'s streams record the failure, the other account is read (partial)', async () => {
    const d = await startDouble({ quirks: { assumeRoleDenied: [DEV_ACCOUNT_ID] } });
    const c = await collect(d, { only: ['credential-report', 'mfa', 'access-keys', 'admin-rights'] });
    for (const s of ['credential-report', 'mfa', 'access-keys', 'admin-rights']) {
      const o = c.outcomes.get(s)!;
      expect(o.status, s).toBe('partial');
      expect(o.failures, s).toHaveLength(1);
      expect(o.failures[0]).toMatchObject({ kind: 'denied', needs: 'sts:AssumeRole' });
      expect(o.failures[0]!.detail).toContain(`sts:AssumeRole was refused in account ${DEV_ACCOUNT_ID} (dev)`);
    }
    const accounts = new Set(c.entities('account').map((a) => a.attributes.awsAccountId));
    expect(accounts).toEqual(new Set([PROD_ACCOUNT_ID]));
    expect(d.counts()['sts:AssumeRole']).toBe(2); // once per account per run, shared by every stream
  });

  it('a wrong ExternalId is refused like any AssumeRole denial', async () => {
    const d = await startDouble();
    const c = await collect(d, { only: ['mfa'], env: { ...envFor(d), [ENV_NAMES.externalId]: 'not-the-agreed-id' } });
    expect(summary(c).mfa).toBe('failed[denied,denied]');
  });

  it('every page of a stream refused everywhere is a recorded failure with AWS\'s refusal as evidence', async () => {
    const d = await startDouble({ quirks: { deniedActions: ['identitystore:ListUsers'] } });
    const c = await collect(d, { only: ['identity-center-users'] });
    expect(summary(c)['identity-center-users']).toBe('failed[denied]');
    expect(JSON.parse(c.pages.get('identity-center-users')![0]!)).toMatchObject({ __type: 'AccessDeniedException' });
  });
});

describe('accounts in scope', () => {
  it('discovers the organisation\'s ACTIVE accounts, reads the credentials\' own account directly and the others through the role', async () => {
    const d = await startDouble();
    const config = configFor(d, { accounts: undefined, discoverAccounts: { roleName: AUDIT_ROLE_NAME, externalId: { env: ENV_NAMES.externalId } } });
    delete config.accounts;
    const c = await collect(d, { config, only: ['credential-report'] });
    expect(summary(c)['credential-report']).toBe('complete');
    const ids = new Set(c.entities('account').map((a) => a.attributes.awsAccountId));
    expect(ids).toEqual(new Set([MANAGEMENT_ACCOUNT_ID, PROD_ACCOUNT_ID, DEV_ACCOUNT_ID])); // the SUSPENDED one is skipped
    expect(d.counts()['sts:AssumeRole']).toBe(2);
    expect(c.pages.get('credential-report')![0]).toContain('"Accounts"'); // ListAccounts kept as evidence of scope
  });

  it('a refused discovery is a recorded failure of every per-account stream, not a crash', async () => {
    const d = await startDouble({ quirks: { deniedActions: ['organizations:ListAccounts'] } });
    const config = configFor(d, { discoverAccounts: { roleName: AUDIT_ROLE_NAME } });
    delete config.accounts;
    const c = await collect(d, { config });
    for (const s of ['credential-report', 'mfa', 'access-keys', 'admin-rights']) {
      expect(c.outcomes.get(s)!.status, s).toBe('failed');
      expect(c.outcomes.get(s)!.failures[0]).toMatchObject({ kind: 'denied', needs: 'organizations:ListAccounts' });
    }
    expect(summary(c)['identity-center-users']).toBe('complete');
  });

  it('without an identityStore, Identity Center is recorded as not applicable, with the reason', async () => {
    const d = await startDouble();
    const config = configFor(d);
    delete config.identityStore;
    const c = await collect(d, { config, only: ['identity-center-users'] });
    expect(c.outcomes.get('identity-center-users')).toMatchObject({ status: 'not_applicable', note: expect.stringContaining('no identityStore is configured') });
  });

  it('an account without roleArn must be the credentials\' own account', async () => {
    const d = await startDouble();
    const c = await collect(d, { config: configFor(d, { accounts: [{ accountId: MANAGEMENT_ACCOUNT_ID }, { accountId: PROD_ACCOUNT_ID }] }), only: ['mfa'] });
    const o = c.outcomes.get('mfa')!;
    expect(o.status).toBe('partial');
    expect(o.failures[0]).toMatchObject({ kind: 'auth' });
    expect(o.failures[0]!.detail).toContain(`the credentials belong to account ${MANAGEMENT_ACCOUNT_ID}; give account ${PROD_ACCOUNT_ID} a roleArn`);
  });

  it('builds role ARNs in the configured partition (GovCloud)', async () => {
    const org = generateAwsOrg({ m365: generateTenant(), partition: 'aws-us-gov' });
    const d = await startDouble({ org });
    const config = configFor(d, { partition: 'aws-us-gov', discoverAccounts: { roleName: AUDIT_ROLE_NAME, externalId: { env: ENV_NAMES.externalId } } });
    delete config.accounts;
    delete config.identityStore;
    const c = await collect(d, { config, only: ['credential-report'] });
    expect(summary(c)['credential-report']).toBe('complete');
    expect(c.entities('account').some((a) => a.key === `arn:aws-us-gov:iam::${PROD_ACCOUNT_ID}:root`)).toBe(true);
  });
});

describe('credentials and check()', () => {
  it('signs every request with the configured key (the double refuses others) and keeps no credential in any page', async () => {
    const d = await startDouble();
    const c = await collect(d);
    expect(d.requests.every((r) => r.accountId !== null && r.status < 400)).toBe(true);
    for (const bodies of c.pages.values()) for (const b of bodies) for (const secret of Object.values(envFor(d))) expect(b.includes(secret)).toBe(false);
    const bad = await collect(d, { env: { ...envFor(d), [ENV_NAMES.accessKeyId]: 'AKIAWRONGWRONGWRONG1' }, only: ['mfa', 'identity-center-users'] });
    expect(summary(bad)).toMatchObject({ mfa: 'failed[auth,auth]', 'identity-center-users': 'failed[auth]' });
  });

  it('check() proves each permission per account and names the account that refuses', async () => {
    const d = await startDouble({ quirks: { assumeRoleDenied: [DEV_ACCOUNT_ID] } });
    const items = new Map((await check(d)).map((i) => [i.name, i]));
    expect(items.get('credentials')).toMatchObject({ status: 'ok', detail: expect.stringContaining(`account ${MANAGEMENT_ACCOUNT_ID}`) });
    expect(items.get('sts:AssumeRole')!.status).toBe('failed');
    expect(items.get('sts:AssumeRole')!.detail).toContain(`${DEV_ACCOUNT_ID} (dev)`);
    expect(items.get('iam:GetCredentialReport')!.status).toBe('failed');
    expect(items.get('organizations:ListAccounts')!.status).toBe('not_checked');
    expect(items.get('identitystore:ListUsers')!.status).toBe('ok');
    const wrong = await check(d, configFor(d), { ...envFor(d), [ENV_NAMES.secretAccessKey]: 'x', [ENV_NAMES.accessKeyId]: 'AKIAWRONGWRONGWRONG1' });
    expect(wrong.find((i) => i.name === 'credentials')).toMatchObject({ status: 'failed' });
    expect(wrong.filter((i) => i.name !== 'credentials').every((i) => i.status === 'not_checked')).toBe(true);
  });

  it('maps Identity Center users with paging: e-mail, enabled from UserStatus, no sign-in data', async () => {
    const d = await startDouble({ quirks: { pageSizeCap: 7 } });
    const c = await collect(d, { only: ['identity-center-users'] });
    const users = c.entities('account');
    const sc = demoOrg().scenario.identityCenter;
    expect(users).toHaveLength(sc.users);
    expect(c.pages.get('identity-center-users')).toHaveLength(Math.ceil(sc.users / 7));
    expect(users.filter((u) => !u.enabled)).toHaveLength(sc.disabled);
    expect(users[0]).toMatchObject({ vendorType: 'member', signIn: null, email: expect.stringMatching(/@contoso\.com$/) });
  });
});
