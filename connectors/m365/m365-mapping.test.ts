import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant, MICROSOFT_TENANT_ID } from '../../fixtures/m365/index.ts';
import type { Account, AppGrant, RoleAssignment } from '../../src/core/model.ts';
import { closeDoubles, collect, startDouble, type Collected } from './m365-test-harness.ts';

/**
 * What the rules will read, checked against what the simulated tenant is known to contain
 * (`tenant.scenario`): one healthy collection through the real SDKs into SQLite, read back from the store.
 */
const tenant = generateTenant({ users: 60, seed: 1 });
const s = tenant.scenario;
let c: Collected;
let byUpn: Map<string, Account>;
let roles: RoleAssignment[];
let grants: AppGrant[];

beforeAll(async () => {
  const d = await startDouble({ tenant });
  c = await collect(d);
  byUpn = c.accounts();
  roles = c.entities('role_assignment');
  grants = c.entities('app_grant');
});
afterAll(closeDoubles);

const idOf = (upn: string) => {
  const a = byUpn.get(upn);
  if (!a) throw new Error(`${upn} was not collected`);
  return a.key;
};

describe('m365 mapping of a healthy tenant', () => {
  it('every stream complete, with the counts the tenant holds', () => {
    expect([...c.outcomes.values()].filter((o) => o.status !== 'complete')).toEqual([]);
    expect(c.run.status).toBe('complete');
    expect(byUpn.size).toBe(s.counts.users);
    expect(c.entities('mfa')).toHaveLength(s.counts.users);
    expect(roles.filter((r) => r.assignment === 'active')).toHaveLength(s.counts.roleAssignments);
    expect(roles.filter((r) => r.assignment === 'eligible')).toHaveLength(s.counts.eligibleAssignments);
    expect(c.entities('app')).toHaveLength(s.counts.servicePrincipals);
    expect(grants.filter((g) => g.grantType === 'delegated')).toHaveLength(s.counts.oauth2PermissionGrants);
    expect(grants.filter((g) => g.grantType === 'application')).toHaveLength(s.counts.appRoleAssignments);
  });

  it('guests are vendorType guest, and only they', () => {
    const guests = [...byUpn.values()].filter((a) => a.vendorType === 'guest').map((a) => a.username);
    expect(guests.sort()).toEqual([...s.accounts.guests].sort());
    expect(byUpn.get(s.accounts.guestsPendingAcceptance[0]!)!.attributes.externalUserState).toBe('PendingAcceptance');
  });

  it('disabled accounts are enabled: false', () => {
    const disabled = [...byUpn.values()].filter((a) => !a.enabled).map((a) => a.username);
    expect(disabled.sort()).toEqual([...s.accounts.disabled].sort());
  });

  it('break-glass accounts hold FIDO2 as a strong method', () => {
    const mfa = new Map(c.entities('mfa').map((m) => [m.accountKey, m]));
    expect(s.accounts.breakGlass.length).toBeGreaterThan(0);
    for (const upn of s.accounts.breakGlass) {
      expect(mfa.get(idOf(upn))!.strongMethods, upn).toContain('fido2');
      expect(mfa.get(idOf(upn))!.registered).toBe(true);
    }
    const unregistered = c.entities('mfa').filter((m) => !m.registered).map((m) => m.accountKey);
    for (const upn of s.accounts.membersWithoutMfa) expect(unregistered, upn).toContain(idOf(upn));
  });

  it('never signed in: sign-in known (not null) with lastSuccessfulAt null, also when signInActivity is absent', () => {
    for (const upn of [...s.accounts.neverSignedIn, ...s.accounts.signInActivityMissing]) {
      const a = byUpn.get(upn)!;
      expect(a.signIn, upn).not.toBeNull();
      expect(a.signIn, upn).toEqual({ lastSuccessfulAt: null, lastInteractiveAt: null, lastNonInteractiveAt: null });
    }
    expect(s.accounts.signInActivityMissing.length).toBeGreaterThan(0);
    // Everyone else has a successful sign-in date.
    const never = new Set([...s.accounts.neverSignedIn, ...s.accounts.signInActivityMissing]);
    const signedIn = [...byUpn.values()].filter((a) => a.enabled && !never.has(a.username));
    for (const a of signedIn) expect(a.signIn?.lastSuccessfulAt, a.username).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('privileged users hold active assignments marked privileged, with a reason naming the role', () => {
    const privilegedUserUpns = new Set(roles.filter((r) => r.assignment === 'active' && r.principalType === 'user' && r.privileged).map((r) => r.principalName));
    expect([...privilegedUserUpns].sort()).toEqual([...s.accounts.privilegedUsers].sort());
    for (const r of roles.filter((x) => x.privileged)) expect(r.privilegeReason, r.key).toContain(r.roleName);
    const ga = roles.filter((r) => r.roleName === 'Global Administrator' && r.principalType === 'user');
    expect(ga.map((r) => r.principalName).sort()).toEqual([...s.accounts.globalAdministrators].sort());
    expect(ga.every((r) => r.roleId === '62e90394-69f5-4237-9190-012177145e10' && r.principalKey === idOf(r.principalName!))).toBe(true);
  });

  it('Global Reader is listed but not privileged; non-privileged role holders hold no privileged role', () => {
    const readers = roles.filter((r) => r.roleName === 'Global Reader');
    expect(readers.length).toBeGreaterThan(0);
    for (const r of readers) {
      expect(r.privileged).toBe(false);
      expect(r.privilegeReason).toMatch(/read-only/);
    }
    for (const upn of s.accounts.nonPrivilegedRoleHolders) {
      const held = roles.filter((r) => r.principalName === upn && r.assignment === 'active');
      expect(held.length, upn).toBeGreaterThan(0);
      expect(held.every((r) => !r.privileged), upn).toBe(true);
    }
  });

  it('PIM-eligible privileged users are `eligible` assignments', () => {
    const eligible = roles.filter((r) => r.assignment === 'eligible' && r.privileged).map((r) => r.principalKey);
    for (const upn of s.accounts.eligiblePrivileged) expect(eligible, upn).toContain(idOf(upn));
  });

  it('group and service principal role holders are typed as such', () => {
    expect(s.apps.rolePrincipals.length).toBeGreaterThan(0);
    for (const p of s.apps.rolePrincipals) {
      const r = roles.find((x) => x.principalName === p.displayName && x.roleName === p.role);
      expect(r, p.displayName).toBeDefined();
      expect(r!.principalType).toBe(p.type === 'group' ? 'group' : 'service_principal');
    }
  });

  it('AI apps: per-user delegated consents map to app_grant with consentType principal, the user as principal, scopes split', () => {
    const chatgpt = s.apps.ai.find((a) => a.displayName === 'ChatGPT')!;
    expect(chatgpt).toBeDefined();
    for (const ai of s.apps.ai) {
      const mine = grants.filter((g) => g.grantType === 'delegated' && g.appKey === ai.servicePrincipalId);
      expect(mine.length, ai.displayName).toBeGreaterThan(0);
      expect(mine.every((g) => g.consentType === 'principal')).toBe(true);
      expect(mine.map((g) => g.principalKey).sort()).toEqual(ai.consentedBy.map(idOf).sort());
      for (const g of mine) for (const scope of g.scopes) expect(scope).toMatch(/^\S+$/);
      expect([...new Set(mine.flatMap((g) => g.scopes))].sort()).toEqual([...ai.scopes].sort());
      const app = c.entities('app').find((a) => a.key === ai.servicePrincipalId)!;
      expect(app.firstParty).toBe(false);
      expect(app.publisher?.name ?? null).toBe(ai.publisher);
    }
  });

  it('app-only grants carry permission names resolved from the resource app roles, not `appRole:<guid>`', () => {
    expect(s.apps.appOnlyGraphPermissions.length).toBeGreaterThan(0);
    for (const app of s.apps.appOnlyGraphPermissions) {
      const mine = grants.filter((g) => g.grantType === 'application' && g.appKey === app.servicePrincipalId);
      expect(mine.every((g) => g.consentType === 'application' && g.principalKey === null)).toBe(true);
      expect(mine.flatMap((g) => g.scopes).sort(), app.displayName).toEqual([...app.permissions].sort());
    }
    expect(grants.filter((g) => g.scopes.some((x) => x.startsWith('appRole:')))).toEqual([]);
    const graphGrants = grants.filter((g) => g.grantType === 'application' && g.resourceName === 'Microsoft Graph');
    expect(graphGrants.flatMap((g) => g.scopes)).toContain('User.Read.All');
  });

  it('Microsoft first-party apps are firstParty, and only those owned by a Microsoft tenant', () => {
    const apps = c.entities('app');
    const first = apps.filter((a) => a.firstParty);
    expect(first).toHaveLength(s.counts.firstPartyApps);
    expect(first.every((a) => a.ownerTenantId === MICROSOFT_TENANT_ID)).toBe(true);
    expect(first.map((a) => a.appId)).toContain('00000003-0000-0000-c000-000000000000');
    expect(apps.filter((a) => !a.firstParty).every((a) => a.ownerTenantId !== MICROSOFT_TENANT_ID)).toBe(true);
  });
});
