import { describe, expect, it } from 'vitest';
import type { Account, Entity, RoleAssignment } from '../src/core/model.ts';
import { ConfigError } from '../src/core/errors.ts';
import { createAccount, createRoleAssignment, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { mapRoleAssignment as mapEntraAssignment, toDefinitionInfo } from '../connectors/m365/map-roles.ts';
import { directoryRole, mapRoleAssignment as mapGoogleAssignment, toRoleInfo } from '../connectors/google-workspace/map-roles.ts';
import { buildIndex, mapUserGrants } from '../connectors/aws-iam/map-admin-rights.ts';
import { GLOBAL_ADMIN_TEMPLATE, isTopLevelAdmin, privilegedCount } from './privileged-count.ts';

const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) =>
  evaluateRule(privilegedCount, createSnapshot({ entities, streams: ['account', 'role_assignment'] }), options);

/** Enabled accounts holding Global Administrator (`active` unless named in `eligible`). */
function globalAdmins(names: readonly string[], eligible: readonly string[] = []): Entity[] {
  return names.flatMap((n) => {
    const username = `${n}@contoso.com`;
    return [createAccount({ username }), ga(username, eligible.includes(n) ? 'eligible' : 'active')];
  });
}

function ga(principalKey: string, assignment: RoleAssignment['assignment'] = 'active', extra: Partial<RoleAssignment> = {}): RoleAssignment {
  return createRoleAssignment({ principalKey, roleId: GLOBAL_ADMIN_TEMPLATE, assignment, ...extra });
}

describe('privileged-count', () => {
  it('passes with 2–4 Global Administrators, break-glass included, eligible ones counted and said so', () => {
    const result = run(globalAdmins(['alice', 'bg-1', 'bob'], ['bob']), { accounts: { breakGlass: ['bg-*'] } });
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(3);
    expect(result.threshold).toBe(4);
    expect(result.unit).toBe('count');
    expect(result.summary).toBe(
      '3 accounts hold Global Administrator, within 2–4: alice@contoso.com (active), bg-1@contoso.com (break-glass, active), bob@contoso.com (eligible); 1 only eligible (counted: it can be activated at any time)',
    );
    expect(result.subjects).toEqual([]);
  });

  it('fails with more than max, listing every holder', () => {
    const result = run(globalAdmins(['a', 'b', 'c', 'd', 'e']));
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(5);
    expect(result.summary).toBe('5 accounts hold Global Administrator, more than 4 (allowed 2–4)');
    expect(result.subjects).toEqual([
      {
        ref: 'm365-main',
        label: 'Global Administrator',
        instance: 'm365-main',
        status: 'fail',
        why: '5 accounts hold Global Administrator (max 4): a@contoso.com (active), b@contoso.com (active), c@contoso.com (active), d@contoso.com (active), e@contoso.com (active); each top-level admin beyond 4 is one more account that can take over all of m365-main',
      },
    ]);
  });

  it('fails with fewer than min: no redundancy, lock-out risk', () => {
    const one = run(globalAdmins(['alice']));
    expect(one.status).toBe('fail');
    expect(one.subjects[0]?.why).toBe(
      'only 1 account holds Global Administrator (min 2): alice@contoso.com (active); with fewer than 2 there is no one to recover if an admin account is lost or locked out',
    );
    const none = run([createAccount(), createRoleAssignment({ roleId: 'fe930be7-5e62-47db-91af-98c3a49a38b1', roleName: 'User Administrator' })]);
    expect(none.status).toBe('fail');
    expect(none.measured).toBe(0);
    expect(none.summary).toBe('no enabled account holds Global Administrator, fewer than 2 (allowed 2–4)');
    expect(run(globalAdmins(['alice']), { params: { min: 1, max: 1 } }).status).toBe('pass');
  });

  it('does not count disabled accounts or service principals, listing them as excluded', () => {
    const result = run([
      ...globalAdmins(['alice', 'bob']),
      createAccount({ username: 'gone@contoso.com', enabled: false }),
      ga('gone@contoso.com'),
      ga('sp-1', 'active', { principalType: 'service_principal', principalName: 'Backup app' }),
    ]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(2);
    expect(result.subjects.map((s) => [s.label, s.status])).toEqual([
      ['gone@contoso.com', 'excluded'],
      ['Backup app', 'excluded'],
    ]);
    expect(result.summary).toContain('2 not counted (disabled or service principal)');
  });

  it('counts an account holding the role both active and eligible once', () => {
    const result = run([...globalAdmins(['alice', 'bob']), ga('bob@contoso.com', 'eligible')]);
    expect(result.measured).toBe(2);
    expect(result.summary).toContain('bob@contoso.com (active, eligible)');
    expect(result.summary).not.toContain('only eligible');
  });

  it('is not evaluable when a group holds Global Administrator, unless the accounts seen already exceed max', () => {
    const group = ga('grp-1', 'active', { principalType: 'group', principalName: 'Tier0 Admins' });
    const result = run([...globalAdmins(['alice', 'bob']), group]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.reasons).toEqual(['m365-main: at least 2 accounts hold Global Administrator; the total cannot be told (allowed 2–4); 1 holder not countable (group members not collected)']);
    expect(result.subjects).toEqual([
      {
        ref: 'grp-1',
        label: 'Tier0 Admins',
        instance: 'm365-main',
        status: 'not_evaluable',
        why: 'Global Administrator (active) assigned to group Tier0 Admins; group members are not collected, so the number of Global Administrators in m365-main cannot be known',
      },
    ]);
    expect(run([...globalAdmins(['a', 'b', 'c', 'd', 'e']), group]).status).toBe('fail');
  });

  it('counts an uncollected holder as a range: fails only when the whole range is outside', () => {
    const unseen = ga('ghost-id', 'active', { principalName: 'ghost@contoso.com' });
    expect(run([...globalAdmins(['alice', 'bob']), unseen]).status).toBe('pass'); // 2 or 3
    expect(run([...globalAdmins(['a', 'b', 'c', 'd']), unseen]).status).toBe('not_evaluable'); // 4 or 5
    expect(run([unseen, createAccount()]).status).toBe('fail'); // 0 or 1
  });

  it('counts per AWS account, AdministratorAccess and equivalent policies, and says Identity Center admins are not collected', () => {
    const aws = createSource({ connector: 'aws-iam', instance: 'aws-org' });
    const user = (name: string, accountId: string): Account =>
      createAccount({ key: `arn:aws:iam::${accountId}:user/${name}`, username: name, source: aws, attributes: { awsAccountId: accountId } });
    const grant = (u: Account, roleId: string, roleName: string, privilegeReason: string, privileged = true) =>
      createRoleAssignment({ key: `${u.key}|${roleId}`, source: aws, principalKey: u.key, principalName: u.username, roleId, roleName, privileged, privilegeReason, scope: `aws-account:${u.attributes['awsAccountId']}` });
    const [p1, p2, p3, d1] = [user('ann', '111111111111'), user('ben', '111111111111'), user('iam-admin', '111111111111'), user('dev', '222222222222')];
    const result = run([
      p1, p2, p3, d1,
      grant(p1, 'arn:aws:iam::aws:policy/AdministratorAccess', 'AdministratorAccess', 'AdministratorAccess attached directly'),
      grant(p2, 'arn:aws:iam::111111111111:user/ben/inline-policy/all', 'all', 'inline policy all allows Action "*" on Resource "*"'),
      grant(p3, 'arn:aws:iam::aws:policy/IAMFullAccess', 'IAMFullAccess', 'IAMFullAccess attached directly'),
      grant(d1, 'arn:aws:iam::aws:policy/AdministratorAccess', 'AdministratorAccess', 'AdministratorAccess attached through group Admins'),
    ]);
    expect(result.status).toBe('fail');
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'fail', 2],
      ['aws-org/111111111111', 'pass', 2],
      ['aws-org/222222222222', 'fail', 1],
    ]);
    expect(result.summary).toBe('1 of 2 systems outside 2–4 top-level admins: aws-org (AWS account 222222222222) 1');
    expect(result.subjects).toEqual([
      expect.objectContaining({ ref: 'aws-org/222222222222', label: 'AdministratorAccess in AWS account 222222222222', instance: 'aws-org', status: 'fail' }),
    ]);
    expect(result.subjects[0]?.why).toMatch(/IAM Identity Center or federated roles are not collected: if they exist, record an exception for this system$/);
  });

  it('counts Google super admins by role and by the isAdmin flag', () => {
    const gws = createSource({ connector: 'google-workspace', instance: 'gws-main' });
    const ann = createAccount({ key: '101', username: 'ann@contoso.com', source: gws, attributes: { isAdmin: true } });
    const bob = createAccount({ key: '102', username: 'bob@contoso.com', source: gws, attributes: { isAdmin: true } });
    const cy = createAccount({ key: '103', username: 'cy@contoso.com', source: gws, attributes: { isAdmin: false } });
    const superAdmin = createRoleAssignment({ key: 'ra-1', source: gws, principalKey: '101', roleId: '9170', roleName: 'Google Workspace Administrator Seed Role', privilegeReason: 'Google Workspace Administrator Seed Role is a super admin role: every privilege in the Admin console and the APIs' });
    const helpDesk = createRoleAssignment({ key: 'ra-2', source: gws, principalKey: '103', roleId: '9171', roleName: 'Help Desk Administrator', privilegeReason: 'Help Desk Administrator can reset the passwords of non-admin users' });
    const result = run([ann, bob, cy, superAdmin, helpDesk]);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('2 accounts hold super admin, within 2–4: ann@contoso.com (active), bob@contoso.com (active)');
  });

  it('does not guess for a connector whose top-level role it does not know', () => {
    const other = createSource({ connector: 'okta', instance: 'okta-main' });
    const result = run([createAccount({ source: other }), createRoleAssignment({ source: other, roleId: 'SUPER_ADMIN' })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(["okta-main: no top-level admin role is known for this system's connector, so its admins cannot be counted"]);
    expect(result.subjects).toEqual([expect.objectContaining({ ref: 'okta-main', status: 'not_evaluable' })]);
  });

  it('rejects min above max as a config error naming the key', () => {
    expect(() => run(globalAdmins(['a']), { params: { min: 5, max: 4 } })).toThrow(ConfigError);
    expect(() => run(globalAdmins(['a']), { params: { min: 5, max: 4 } })).toThrow(/^rules\.privileged-count\.min: min must not be greater than max/);
  });

  it('gives the same result whatever order the store returns records in', () => {
    const entities = [...globalAdmins(['e', 'a', 'c', 'b', 'd'], ['c']), ga('grp', 'active', { principalType: 'group' })];
    expect(run([...entities].reverse())).toEqual(run(entities));
  });
});

describe('isTopLevelAdmin, on what the real connectors map', () => {
  it('recognises Entra Global Administrator by template id, not other privileged roles', () => {
    const source = createSource();
    const defs = new Map([
      ['d-ga', toDefinitionInfo({ id: 'd-ga', displayName: 'Global Administrator', templateId: GLOBAL_ADMIN_TEMPLATE })],
      ['d-pra', toDefinitionInfo({ id: 'd-pra', displayName: 'Privileged Role Administrator', templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814' })],
    ]);
    const map = (roleDefinitionId: string) =>
      mapEntraAssignment({ id: `a-${roleDefinitionId}`, principalId: 'u1', roleDefinitionId, principal: { '@odata.type': '#microsoft.graph.user' } }, defs, 'active', source);
    expect(isTopLevelAdmin(map('d-ga'))).toBe(true);
    expect(isTopLevelAdmin(map('d-pra'))).toBe(false);
  });

  it('recognises the Google super admin role, not delegated admin roles', () => {
    const source = createSource({ connector: 'google-workspace', instance: 'gws-main' });
    const roles = new Map(
      [
        { roleId: '1', roleName: '_SEED_ADMIN_ROLE', roleDescription: 'Google Workspace Administrator Seed Role', isSystemRole: true, isSuperAdminRole: true },
        { roleId: '2', roleName: '_USER_MANAGEMENT_ADMIN_ROLE', roleDescription: 'User Management Administrator', isSystemRole: true },
      ].map((r) => [r.roleId, toRoleInfo(directoryRole.parse(r))]),
    );
    const map = (roleId: string) => mapGoogleAssignment({ roleAssignmentId: `ra-${roleId}`, roleId, assignedTo: '101', assigneeType: 'user' }, roles, source);
    expect(isTopLevelAdmin(map('1'))).toBe(true);
    expect(isTopLevelAdmin(map('2'))).toBe(false);
  });

  it('recognises AWS AdministratorAccess and "*" on "*" policies, not IAMFullAccess', () => {
    const source = createSource({ connector: 'aws-iam', instance: 'aws-prod' });
    const star = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
    const { entities } = mapUserGrants(
      {
        Arn: 'arn:aws:iam::111122223333:user/ann',
        UserName: 'ann',
        AttachedManagedPolicies: [
          { PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', PolicyName: 'AdministratorAccess' },
          { PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess', PolicyName: 'IAMFullAccess' },
          { PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', PolicyName: 'ReadOnlyAccess' },
        ],
        UserPolicyList: [{ PolicyName: 'everything', PolicyDocument: star }],
      },
      buildIndex([], true),
      'prod',
      '111122223333',
      source,
    );
    expect(entities.map((e) => [e.roleName, isTopLevelAdmin(e)])).toEqual([
      ['AdministratorAccess', true],
      ['IAMFullAccess', false],
      ['ReadOnlyAccess', false],
      ['everything', true],
    ]);
  });
});
