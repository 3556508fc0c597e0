import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { NEVER_LOGGED_IN, type DirectoryDouble } from '../../fixtures/google-workspace/index.ts';
import { closeDoubles, configFor, demoTenant, readAll, startDouble, summary, type Read } from './google-test-harness.ts';

/** Everything the demo customer holds, read through the real client, against what its scenario says. */
describe('google-workspace mapping against the demo scenario', () => {
  const sc = demoTenant().scenario;
  let d: DirectoryDouble;
  let r: Read;
  beforeAll(async () => {
    d = await startDouble();
    r = await readAll(d);
  });
  afterAll(closeDoubles);
  const byEmail = () => new Map(r.entities('account').map((a) => [a.username, a]));

  it('reads every stream completely', () => {
    expect(summary(r)).toEqual({ users: 'complete', 'two-step-verification': 'complete', roles: 'complete', tokens: 'complete' });
  });

  it('users: one account per user; suspended and archived are disabled, the rest enabled', () => {
    const accounts = byEmail();
    expect(accounts.size).toBe(sc.counts.users);
    const disabled = [...accounts.values()].filter((a) => !a.enabled).map((a) => a.username).sort();
    expect(disabled).toEqual([...sc.accounts.suspended, ...sc.accounts.archived].sort());
    for (const email of sc.accounts.archived) expect(accounts.get(email)?.attributes.archived).toBe(true);
    expect(accounts.get(sc.accounts.suspended[0]!)?.attributes.suspensionReason).toBe('ADMIN');
    expect([...accounts.values()].every((a) => a.vendorType === 'member' && a.key === a.externalId)).toBe(true);
  });

  it('users: the epoch-zero lastLoginTime means never (sign-in record with null dates), not "unknown"', () => {
    const accounts = byEmail();
    const raw = JSON.parse(r.pages.get('users')![0]!.body) as { users: { primaryEmail: string; lastLoginTime: string }[] };
    const never = raw.users.filter((u) => u.lastLoginTime === NEVER_LOGGED_IN).map((u) => u.primaryEmail);
    expect(never).toEqual(expect.arrayContaining(sc.accounts.neverLoggedIn));
    for (const email of never) {
      expect(accounts.get(email)?.signIn, email).toEqual({ lastSuccessfulAt: null, lastInteractiveAt: null, lastNonInteractiveAt: null });
    }
    const adele = accounts.get(sc.adminEmail)!;
    expect(adele.signIn?.lastInteractiveAt).toMatch(/^2026-11-/);
    expect(adele.signIn?.lastNonInteractiveAt).toBeNull();
  });

  it('users: employee id from externalIds type organization (not a badge), org unit and admin flags as attributes', () => {
    const accounts = byEmail();
    for (const p of sc.people) expect(accounts.get(p.email)?.employeeId, p.email).toBe(p.employeeId);
    for (const email of sc.accounts.googleOnly) expect(accounts.get(email)?.employeeId).toBeNull();
    expect(accounts.get(sc.adminEmail)?.attributes).toMatchObject({ isAdmin: true, isDelegatedAdmin: false, orgUnitPath: '/IT' });
    for (const email of sc.accounts.delegatedAdmins) expect(accounts.get(email)?.attributes.isDelegatedAdmin).toBe(true);
  });

  it('users: the M365 leaver still enabled is enabled here too, with a login after the leave date', () => {
    const m365 = generateTenant();
    const upn = m365.scenario.accounts.leaversStillEnabled[0]!;
    const leave = [...m365.users()].find((u) => u.userPrincipalName === upn)!.employeeLeaveDateTime!;
    const a = byEmail().get(sc.accounts.leaverActiveAfterLeaving!)!;
    expect(a.enabled).toBe(true);
    expect(Date.parse(a.signIn!.lastSuccessfulAt!)).toBeGreaterThan(Date.parse(leave));
  });

  it('2-Step Verification: one record per user with enrolment and enforcement, methods not reported', () => {
    const mfa = r.entities('mfa');
    expect(mfa).toHaveLength(sc.counts.users);
    const accounts = new Map(r.entities('account').map((a) => [a.key, a]));
    const active = mfa.filter((m) => accounts.get(m.accountKey)?.enabled);
    expect(active.filter((m) => m.registered)).toHaveLength(sc.counts.activeEnrolled2Sv);
    expect(active.filter((m) => !m.registered).map((m) => accounts.get(m.accountKey)!.username).sort()).toEqual([...sc.accounts.without2Sv].sort());
    expect(mfa.every((m) => m.methodsKnown === false && m.methods.length === 0 && m.strongMethods.length === 0)).toBe(true);
    const enforcedNotEnrolled = mfa.filter((m) => m.enforced && !m.registered && accounts.get(m.accountKey)?.enabled);
    expect(enforcedNotEnrolled.map((m) => accounts.get(m.accountKey)!.username).sort()).toEqual([...sc.accounts.enforcedNotEnrolled].sort());
  });

  it('2-Step Verification asks for a partial response, and the double honours it', () => {
    const q = d.requests.find((x) => x.path === '/admin/directory/v1/users' && x.query.fields?.includes('isEnrolledIn2Sv'));
    expect(q?.query).toMatchObject({ customer: 'my_customer', maxResults: '500', projection: 'basic' });
    const body = JSON.parse(r.pages.get('two-step-verification')![0]!.body) as { users: object[]; kind?: string };
    expect(body.kind).toBeUndefined();
    expect(Object.keys(body.users[0]!).sort()).toEqual(['id', 'isEnforcedIn2Sv', 'isEnrolledIn2Sv', 'primaryEmail']);
  });

  it('roles: privileged principals are the scenario privileged users, each with a reason', () => {
    const ra = r.entities('role_assignment');
    expect(ra).toHaveLength(sc.counts.roleAssignments);
    const emailOf = new Map(r.entities('account').map((a) => [a.key, a.username]));
    const privileged = [...new Set(ra.filter((a) => a.privileged).map((a) => emailOf.get(a.principalKey)))].sort();
    expect(privileged).toEqual([...sc.accounts.privilegedUsers].sort());
    const superAdmin = ra.find((a) => emailOf.get(a.principalKey) === sc.adminEmail)!;
    expect(superAdmin).toMatchObject({ roleName: 'Google Workspace Administrator Seed Role', privileged: true, assignment: 'active', scope: '/', principalType: 'user' });
    expect(superAdmin.privilegeReason).toMatch(/super admin/);
    expect(ra.find((a) => a.roleName === 'User Management Administrator')?.privilegeReason).toMatch(/reset/);
    expect(ra.find((a) => a.roleName === 'Security Operations')?.privilegeReason).toMatch(/USER_SECURITY_ALL/);
    expect(ra.find((a) => a.roleName === 'Directory Viewer')).toMatchObject({ privileged: false, scope: expect.stringMatching(/^orgUnit\/03ph8a2z/) });
    const group = ra.filter((a) => a.principalType === 'group');
    expect(group).toHaveLength(sc.counts.groupAssignments);
    expect(group[0]).toMatchObject({ roleName: 'Groups Administrator', privileged: false });
  });

  it('tokens: one grant per user and client, AI apps granted by exactly the scenario users', () => {
    const grants = r.entities('app_grant');
    expect(grants).toHaveLength(sc.counts.tokens);
    const emailOf = new Map(r.entities('account').map((a) => [a.key, a.username]));
    for (const app of sc.apps.ai) {
      const mine = grants.filter((g) => g.appKey === `oauth-client:${app.clientId}`);
      expect(mine.map((g) => emailOf.get(g.principalKey!)).sort(), app.displayText).toEqual([...app.grantedBy].sort());
      expect(mine.every((g) => g.appDisplayName === app.displayText && g.grantType === 'delegated' && g.consentType === 'principal')).toBe(true);
      expect(mine[0]!.scopes).toEqual(app.scopes);
    }
    const leaverId = r.entities('account').find((a) => a.username === sc.accounts.leaverActiveAfterLeaving)!.key;
    expect(grants.filter((g) => g.principalKey === leaverId).map((g) => g.appDisplayName)).toContain('ChatGPT');
  });

  it('tokens: one call per user, each answer a page; an empty list (no `items`) maps to nothing, without failure', () => {
    const tokenPages = r.pages.get('tokens')!.filter((p) => p.request.url.includes('/tokens'));
    expect(tokenPages).toHaveLength(sc.counts.users);
    const empty = tokenPages.filter((p) => !p.body.includes('"items"'));
    expect(empty.length).toBe(sc.counts.users - sc.counts.usersWithTokens);
    expect(empty.every((p) => p.entities.length === 0 && p.failures.length === 0)).toBe(true);
  });

  it('every call went through the paced, counted google-directory family', () => {
    const stats = r.http.stats.snapshot()['google-directory']!;
    // Token requests (one per scope) are paced and counted too.
    expect(stats.requests).toBe(d.requests.length);
    expect(stats.responses['2xx']).toBe(d.requests.length);
  });
});

describe('google-workspace paging', () => {
  afterAll(closeDoubles);

  it('follows nextPageToken to the end when Google returns short pages', async () => {
    const d = await startDouble({ quirks: { pageSizeCap: 7 } });
    const r = await readAll(d);
    const sc = d.tenant.scenario;
    expect(summary(r)).toEqual({ users: 'complete', 'two-step-verification': 'complete', roles: 'complete', tokens: 'complete' });
    expect(r.pages.get('users')).toHaveLength(Math.ceil(sc.counts.users / 7));
    expect(r.entities('account')).toHaveLength(sc.counts.users);
    expect(r.entities('mfa')).toHaveLength(sc.counts.users);
    expect(r.pages.get('roles')).toHaveLength(Math.ceil(sc.counts.roles / 7) + Math.ceil(sc.counts.roleAssignments / 7));
    expect(r.entities('app_grant')).toHaveLength(sc.counts.tokens);
    const users = d.requests.filter((x) => x.path === '/admin/directory/v1/users' && x.query.projection === 'full');
    expect(users[0]!.query).toEqual({ customer: 'my_customer', maxResults: '500', projection: 'full' });
    expect(users.slice(1).every((x) => typeof x.query.pageToken === 'string')).toBe(true);
  });

  it('an unreadable page ends the stream as invalid, keeping the pages before it', async () => {
    const d = await startDouble({ quirks: { pageSizeCap: 20, invalidJsonPage: { on: 'roleassignments', page: 1 } } });
    const r = await readAll(d, { only: ['roles'] });
    const o = r.outcomes.get('roles')!;
    expect(o.status).toBe('failed');
    expect(o.failures).toEqual([expect.objectContaining({ kind: 'invalid', detail: expect.stringMatching(/roleAssignments\.list: .*not understood.*later pages were not read/) })]);
  });

  it('reads one domain with `domain` instead of `customer`', async () => {
    const d = await startDouble();
    const r = await readAll(d, { only: ['users'], config: configFor(d, { domain: 'contoso.com' }) });
    expect(r.outcomes.get('users')!.status).toBe('complete');
    expect(d.requests.find((x) => x.path === '/admin/directory/v1/users')!.query).toMatchObject({ domain: 'contoso.com' });
    expect(d.requests.find((x) => x.path === '/admin/directory/v1/users')!.query.customer).toBeUndefined();
  });
});
