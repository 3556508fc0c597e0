import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { M365_STREAM_IDS } from './config-schema.ts';
import { check, closeDoubles, collect, configFor, graphRequests, M365, startDouble, summary } from './m365-test-harness.ts';

/**
 * Licences, permissions and credentials: what a user sees when the tenant or the app registration
 * is not set up as the README asks. Through the real @azure/identity (MSAL) and Graph SDK.
 */
const tenant = generateTenant({ users: 60, seed: 4 });
const USERS = tenant.userCount;
afterEach(closeDoubles);

const P1 = 'Microsoft Entra ID P1 or P2';

describe('m365 licences and permissions', () => {
  it('no Entra ID P1/P2: users partial (signIn only), MFA report failed, PIM not applicable, the rest complete', async () => {
    const d = await startDouble({ tenant, quirks: { unlicensed: true } });
    const c = await collect(d);
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('partial');
    expect(users.failures).toEqual([{ kind: 'unlicensed', field: 'signIn', needs: P1, detail: expect.stringContaining('Authentication_RequestFromNonPremiumTenantOrB2CTenant') }]);
    expect(users.records).toBe(USERS);
    const accounts = c.entities('account');
    expect(accounts).toHaveLength(USERS);
    // Unknown, not "never signed in": no rule may read a missing licence as inactivity.
    expect(accounts.every((a) => a.signIn === null)).toBe(true);
    const mfa = c.outcomes.get('mfa-registration')!;
    expect(mfa).toMatchObject({ status: 'failed', records: 0 });
    expect(mfa.failures).toEqual([expect.objectContaining({ kind: 'unlicensed', needs: P1 })]);
    const pim = c.outcomes.get('role-eligibility')!;
    expect(pim).toMatchObject({ status: 'not_applicable', records: 0, failures: [] });
    expect(pim.note).toMatch(/Entra ID P2/);
    for (const id of ['role-assignments', 'service-principals', 'delegated-grants', 'app-role-assignments']) {
      expect(c.outcomes.get(id)!.status, id).toBe('complete');
    }
    expect(c.run.status).toBe('partial');
  });

  it('AuditLog.Read.All not granted: users partial (signIn, denied, needs AuditLog.Read.All), MFA report failed denied', async () => {
    const d = await startDouble({ tenant, quirks: { deniedPermissions: ['AuditLog.Read.All'] } });
    const c = await collect(d, { only: ['users', 'mfa-registration'] });
    const users = c.outcomes.get('users')!;
    expect(users).toMatchObject({ status: 'partial', records: USERS });
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'denied', field: 'signIn', needs: 'AuditLog.Read.All' })]);
    expect(c.entities('account').every((a) => a.signIn === null)).toBe(true);
    // The refusal is stored as evidence, then users are read again without signInActivity.
    const userCalls = graphRequests(d, '/users');
    expect(userCalls.map((r) => r.status)).toEqual([403, 200]);
    expect(userCalls[1]!.query.$select).not.toMatch(/signInActivity/);
    const mfa = c.outcomes.get('mfa-registration')!;
    expect(mfa).toMatchObject({ status: 'failed', records: 0 });
    expect(mfa.failures).toEqual([expect.objectContaining({ kind: 'denied', needs: 'AuditLog.Read.All' })]);
  });

  it('no PIM permission: role-eligibility failed `denied`; active role assignments still complete', async () => {
    // roleEligibilityScheduleInstances also accepts RoleManagement.Read.Directory, so both must go;
    // Directory.Read.All keeps role definitions and active assignments readable, as in Graph.
    const d = await startDouble({ tenant, quirks: { deniedPermissions: ['RoleEligibilitySchedule.Read.Directory', 'RoleManagement.Read.Directory'] } });
    const c = await collect(d, { only: ['role-assignments', 'role-eligibility'] });
    const pim = c.outcomes.get('role-eligibility')!;
    expect(pim).toMatchObject({ status: 'failed', records: 0 });
    expect(pim.failures).toEqual([expect.objectContaining({ kind: 'denied', needs: 'RoleEligibilitySchedule.Read.Directory', detail: expect.stringContaining('PermissionScopeNotGranted') })]);
    expect(graphRequests(d, '/roleEligibilityScheduleInstances').map((r) => r.status)).toEqual([403]);
    expect(c.outcomes.get('role-assignments')!.status).toBe('complete');
  });
});

describe('m365 credentials', () => {
  it('a wrong client secret: every stream failed `auth`, and the secret is nowhere in pages, outcomes or logs', async () => {
    const d = await startDouble({ tenant });
    const wrong = 'ev~not-the-right-secret-0123456789';
    const c = await collect(d, { env: { M365_TEST_SECRET: wrong } });
    expect(summary(c)).toEqual(Object.fromEntries(M365_STREAM_IDS.map((id) => [id, 'failed[auth]'])));
    for (const o of c.outcomes.values()) {
      expect(o.failures[0]!.detail).toContain('AADSTS7000215');
      expect(o.pages).toBe(0);
    }
    expect(c.run.status).toBe('failed');
    // No Graph call was made without a token.
    expect(graphRequests(d)).toEqual([]);
    expect(c.logLines.length).toBeGreaterThan(0);
    const stored = [...c.pages.map((p) => p.body), JSON.stringify(c.snapshot.outcomes), JSON.stringify([...c.outcomes.values()]), ...c.logLines];
    for (const secret of [wrong, d.clientSecret]) {
      for (const text of stored) expect(text.includes(secret)).toBe(false);
    }
  });

  describe('certificate credentials', () => {
    let dir: string;
    let certificateFile: string;
    let certPem: string;
    beforeAll(async () => {
      const app = await generate([{ name: 'commonName', value: 'evidentia-collector' }], { keySize: 2048, algorithm: 'sha256' });
      dir = await mkdtemp(join(tmpdir(), 'evidentia-m365-cert-'));
      certificateFile = join(dir, 'collector.pem');
      certPem = app.cert;
      await writeFile(certificateFile, `${app.private}\n${app.cert}`, { mode: 0o600 });
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    it('a registered certificate: the collection is complete', async () => {
      const d = await startDouble({ tenant, clientCertificatePem: certPem });
      const config = configFor(d, { auth: { method: 'certificate', certificateFile } });
      const c = await collect(d, { config, env: {} });
      expect(summary(c)).toEqual(Object.fromEntries(M365_STREAM_IDS.map((id) => [id, 'complete'])));
      expect(c.run.status).toBe('complete');
      expect(c.entities('account')).toHaveLength(USERS);
      // The private key is no more evidence than a secret is.
      for (const p of c.pages) expect(p.body).not.toContain('PRIVATE KEY');
    });
  });

  it('a token rejected as expired mid-paging (401): one new token is fetched, the request is sent again, and the stream is complete', async () => {
    const d = await startDouble({ tenant, quirks: { expireTokensAfter: 3, pageSizeCap: 7 } });
    const c = await collect(d, { only: ['users'] });
    expect(c.outcomes.get('users')).toMatchObject({ status: 'complete', records: USERS, failures: [] });
    const statuses = graphRequests(d, '/users').map((r) => r.status);
    // Every fourth call with a token is refused; each refusal is followed by a success with a new token.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 401, 200]);
    expect(statuses.filter((s) => s === 401).length).toBe(d.counts()['POST /{tenant}/oauth2/v2.0/token']! - 1);
    // The refused answers are not evidence: one stored page per page of users.
    expect(c.pages.filter((p) => p.stream === 'users')).toHaveLength(statuses.filter((s) => s === 200).length);
    expect(c.run.status).toBe('complete');
  });

  it('a 401 that a fresh token does not cure: recorded as `auth` after exactly one refresh', async () => {
    const d = await startDouble({ tenant, quirks: { expireTokensAfter: 0 } });
    const c = await collect(d, { only: ['users'] });
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('failed');
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'auth', detail: expect.stringContaining('token is expired') })]);
    expect(graphRequests(d, '/users').map((r) => r.status)).toEqual([401, 401]);
    expect(d.counts()['POST /{tenant}/oauth2/v2.0/token']).toBe(2);
  });
});

describe('m365 check()', () => {
  const permissionNames = M365.permissions.filter((p) => p.kind === 'application_permission').map((p) => p.name);

  it('healthy: credentials, every permission and both licences ok', async () => {
    const d = await startDouble({ tenant });
    const items = await check(d);
    expect(items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(items.map((i) => i.name).sort()).toEqual(['credentials', ...permissionNames, P1, 'Microsoft Entra ID P2'].sort());
    // check() proves access with $top=1 probes; it reads no data pages.
    expect(graphRequests(d).every((r) => r.query.$top === '1' || r.query.$top === undefined)).toBe(true);
  });

  it('unlicensed: the licence items failed, no permission failed (the licence-gated ones are listed as not checked)', async () => {
    const d = await startDouble({ tenant, quirks: { unlicensed: true } });
    const items = await check(d);
    const byName = new Map(items.map((i) => [i.name, i]));
    expect(byName.get(P1)).toMatchObject({ status: 'failed', detail: expect.stringContaining('no licence') });
    expect(byName.get('Microsoft Entra ID P2')).toMatchObject({ status: 'failed', detail: expect.stringContaining('AadPremiumLicenseRequired') });
    for (const name of permissionNames) expect(byName.get(name)?.status, name).not.toBe('failed');
    for (const name of ['User.Read.All', 'RoleManagement.Read.Directory', 'Application.Read.All', 'Directory.Read.All']) expect(byName.get(name)?.status, name).toBe('ok');
    expect(byName.get('AuditLog.Read.All')?.status).toBe('not_checked');
  });

  it('AuditLog.Read.All not granted: that permission failed, naming it; the others ok', async () => {
    const d = await startDouble({ tenant, quirks: { deniedPermissions: ['AuditLog.Read.All'] } });
    const items = await check(d);
    const failed = items.filter((i) => i.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ name: 'AuditLog.Read.All', detail: expect.stringContaining('Authentication_MSGraphPermissionMissing') })]);
    for (const name of permissionNames.filter((n) => n !== 'AuditLog.Read.All')) expect(items.find((i) => i.name === name)?.status, name).toBe('ok');
  });

  it('a wrong secret: credentials failed with the STS code, every permission not checked', async () => {
    const d = await startDouble({ tenant });
    const items = await check(d, configFor(d, { auth: { method: 'client_secret', secret: { env: 'M365_WRONG_SECRET' } } }), { M365_WRONG_SECRET: 'ev~wrong-secret-9876543210' });
    expect(items.find((i) => i.name === 'credentials')).toMatchObject({ status: 'failed', detail: expect.stringContaining('AADSTS7000215') });
    expect(items.filter((i) => i.name !== 'credentials').every((i) => i.status === 'not_checked')).toBe(true);
    expect(JSON.stringify(items)).not.toContain('ev~wrong-secret-9876543210');
  });
});
