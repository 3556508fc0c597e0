import { describe, expect, it } from 'vitest';
import type { Entity } from '../src/core/model.ts';
import { createAccount, createMfa, createOutcome, createRoleAssignment, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { adminMfa } from './admin-mfa.ts';

const STREAMS = ['account', 'mfa', 'role_assignment'] as const;
const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) =>
  evaluateRule(adminMfa, createSnapshot({ entities, streams: [...STREAMS] }), options);

/** An enabled admin account with the given MFA (`null`: no MFA record at all). */
function admin(username: string, mfa: { methods: string[]; strong?: string[] } | null, role: Partial<Parameters<typeof createRoleAssignment>[0]> = {}): Entity[] {
  const out: Entity[] = [createAccount({ username }), createRoleAssignment({ principalKey: username, ...role })];
  if (mfa) out.push(createMfa({ accountKey: username, registered: mfa.methods.length > 0, methods: mfa.methods, strongMethods: mfa.strong ?? [] }));
  return out;
}
const strong = { methods: ['fido2'], strong: ['fido2'] };
const none = { methods: [] };

describe('admin-mfa', () => {
  it('passes when every privileged account has MFA', () => {
    const result = run([...admin('a@contoso.com', strong), ...admin('b@contoso.com', { methods: ['sms'] })]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(1);
    expect(result.threshold).toBe(1);
    expect(result.summary).toBe('2 of 2 privileged accounts have MFA (100.0%, threshold 100%)');
  });

  it('fails a privileged account without MFA, naming its role', () => {
    const result = run([...admin('a@contoso.com', strong), ...admin('b@contoso.com', none)]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(0.5);
    expect(result.subjects).toEqual([
      { ref: 'b@contoso.com', label: 'b@contoso.com', instance: 'm365-main', status: 'fail', why: 'Global Administrator (active) without any MFA method registered' },
    ]);
  });

  it('says when there is no MFA record at all', () => {
    const result = run(admin('a@contoso.com', null));
    expect(result.subjects[0]?.why).toBe('Global Administrator (active); no MFA registration record for this account');
  });

  it('counts eligible assignments, and lists every privileged role once', () => {
    const entities = [
      ...admin('e@contoso.com', none, { assignment: 'eligible' }),
      createRoleAssignment({ principalKey: 'e@contoso.com', roleId: 'user-admin', roleName: 'User Administrator' }),
      createRoleAssignment({ principalKey: 'e@contoso.com', roleId: 'reader', roleName: 'Directory Readers', privileged: false }),
    ];
    const result = run(entities);
    expect(result.status).toBe('fail');
    expect(result.subjects[0]?.why).toBe('Global Administrator (eligible), User Administrator (active) without any MFA method registered');
  });

  it('ignores accounts that hold only non-privileged roles', () => {
    const result = run([...admin('a@contoso.com', strong), ...admin('r@contoso.com', none, { roleName: 'Reports Reader', privileged: false })]);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 of 1 privileged account');
  });

  it('requires a strong method of break-glass accounts', () => {
    const accounts = { breakGlass: ['bg-*@contoso.com'] };
    expect(run(admin('bg-1@contoso.com', strong), { accounts }).status).toBe('pass');

    const weak = run(admin('bg-1@contoso.com', { methods: ['sms'] }), { accounts });
    expect(weak.status).toBe('fail');
    expect(weak.subjects[0]?.why).toBe(
      'break-glass account with Global Administrator (active) has only weak MFA (sms); break-glass accounts must hold a strong (phishing-resistant or app-based) MFA method',
    );
    expect(run(admin('bg-1@contoso.com', null), { accounts }).subjects[0]?.why).toMatch(/^break-glass account with Global Administrator \(active\); no MFA registration record/);
  });

  describe('when the vendor reports MFA on but not which methods (methodsKnown: false)', () => {
    const accounts = { breakGlass: ['bg-*@example.com'] };
    const gws = createSource({ connector: 'google-workspace', instance: 'gws-main' });
    /** A Google admin whose directory record says 2SV is enrolled (or not), with no method list. */
    const googleAdmin = (username: string, enrolled: boolean): Entity[] => [
      createAccount({ username, source: gws }),
      createRoleAssignment({ principalKey: username, source: gws, roleName: 'Super Admin' }),
      createMfa({ accountKey: username, source: gws, registered: enrolled, methods: [], strongMethods: [], methodsKnown: false }),
    ];

    it('cannot confirm a strong method for a break-glass account: not evaluable, saying why', () => {
      const result = run(googleAdmin('bg-1@example.com', true), { accounts });
      expect(result.status).toBe('not_evaluable');
      expect(result.subjects).toEqual([
        {
          ref: 'bg-1@example.com',
          label: 'bg-1@example.com',
          instance: 'gws-main',
          status: 'not_evaluable',
          why: 'break-glass account with Super Admin (active); Google reports 2-Step Verification is on but not which methods; a strong method cannot be confirmed',
        },
      ]);
      expect(result.reasons).toEqual(['break-glass account bg-1@example.com in gws-main: Google reports 2-Step Verification is on but not which methods; a strong method cannot be confirmed']);
      expect(result.summary).toBe('no privileged account could be fully checked (threshold 100%); 1 break-glass account with MFA on but no strong method confirmed (methods not reported)');
    });

    it('accepts `registered` for other privileged accounts', () => {
      const result = run(googleAdmin('admin@example.com', true), { accounts });
      expect(result.status).toBe('pass');
      expect(result.summary).toBe('1 of 1 privileged account has MFA (100.0%, threshold 100%)');
    });

    it('still fails a break-glass account the vendor reports without any second factor', () => {
      const result = run(googleAdmin('bg-1@example.com', false), { accounts });
      expect(result.status).toBe('fail');
      expect(result.subjects[0]?.why).toBe(
        'break-glass account with Super Admin (active) without any MFA method registered; break-glass accounts must hold a strong (phishing-resistant or app-based) MFA method',
      );
    });

    it('fails rather than waits when another privileged account already lacks MFA', () => {
      const result = run([...googleAdmin('bg-1@example.com', true), ...googleAdmin('admin@example.com', false)], { accounts });
      expect(result.status).toBe('fail');
      expect(result.reasons).toEqual([]);
      expect(result.subjects.map((s) => [s.label, s.status])).toEqual([
        ['admin@example.com', 'fail'],
        ['bg-1@example.com', 'not_evaluable'],
      ]);
    });

    it('accepts a strong method reported by another record for the same account', () => {
      const entities = [...googleAdmin('bg-1@example.com', true), createMfa({ key: 'mfa-2', accountKey: 'bg-1@example.com', source: gws, methods: ['securityKey'], strongMethods: ['securityKey'] })];
      expect(run(entities, { accounts }).status).toBe('pass');
    });
  });

  it('excludes disabled accounts and service principals, saying why', () => {
    const entities = [
      ...admin('a@contoso.com', strong),
      createAccount({ username: 'old@contoso.com', enabled: false }),
      createRoleAssignment({ principalKey: 'old@contoso.com' }),
      createRoleAssignment({ principalKey: 'sp-1', principalType: 'service_principal', principalName: 'Backup app' }),
    ];
    const result = run(entities);
    expect(result.status).toBe('pass');
    expect(result.subjects.map((s) => [s.label, s.status, s.why])).toEqual([
      ['old@contoso.com', 'excluded', 'Global Administrator (active); not checked: disabled in m365-main; a disabled account cannot sign in'],
      ['Backup app', 'excluded', 'Global Administrator (active) held by a service principal, which signs in with credentials, not MFA; review it under privileged access'],
    ]);
    expect(result.summary).toBe('1 of 1 privileged account has MFA (100.0%, threshold 100%); excluded 2 (disabled accounts, service principals)');
  });

  it('is not evaluable when a privileged role is assigned to a group whose members are not collected', () => {
    const entities = [...admin('a@contoso.com', strong), createRoleAssignment({ principalKey: 'grp-1', principalType: 'group', principalName: 'Helpdesk admins', roleName: 'Helpdesk Administrator' })];
    const result = run(entities);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['privileged role assigned to group Helpdesk admins in m365-main; group members are not collected']);
    expect(result.subjects[0]).toMatchObject({ label: 'Helpdesk admins', status: 'not_evaluable' });
    expect(result.measured).toBe(1);
  });

  it('still fails when a known admin lacks MFA, even with a group it cannot see into', () => {
    const entities = [...admin('a@contoso.com', none), createRoleAssignment({ principalKey: 'grp-1', principalType: 'group', principalName: 'Helpdesk admins' })];
    expect(run(entities).status).toBe('fail');
  });

  it('is not evaluable when a privileged assignment points at an account that was not collected', () => {
    const result = run([...admin('a@contoso.com', strong), createRoleAssignment({ principalKey: 'ghost@contoso.com' })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.subjects[0]).toMatchObject({
      label: 'ghost@contoso.com',
      status: 'not_evaluable',
      why: 'Global Administrator (active) assigned to an account that was not collected, so its MFA cannot be checked',
    });
  });

  it('matches assignments to accounts only within the same instance', () => {
    const entities = [createAccount({ username: 'a@contoso.com' }), createMfa({ accountKey: 'a@contoso.com' }), createRoleAssignment({ principalKey: 'a@contoso.com', instance: 'm365-eu' })];
    const result = run(entities);
    expect(result.status).toBe('not_evaluable');
    expect(result.subjects[0]?.instance).toBe('m365-eu');
  });

  it('is not evaluable, not a vacuous pass, without privileged assignments', () => {
    const result = run([createAccount(), createMfa(), createRoleAssignment({ privileged: false })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['no privileged role assignments were found, so there is no privileged account to check']);
  });

  it('is not evaluable when the role stream is missing', () => {
    const entities = admin('a@contoso.com', strong).filter((e) => e.kind !== 'role_assignment');
    const outcomes = [createOutcome({ entity: 'account' }), createOutcome({ entity: 'mfa' })];
    const result = evaluateRule(adminMfa, createSnapshot({ entities, outcomes }));
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['no configured connector collects role_assignment']);
  });

  it('breaks results down per instance', () => {
    const eu = (e: Entity): Entity => ({ ...e, source: { ...e.source, instance: 'm365-eu' } });
    const result = run([...admin('a@contoso.com', strong), ...admin('b@contoso.com', none).map(eu)]);
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'fail', 0.5],
      ['m365-eu', 'fail', 0],
      ['m365-main', 'pass', 1],
    ]);
  });

  it('gives identical results for the same snapshot', () => {
    const entities = [...admin('a@contoso.com', none), ...admin('b@contoso.com', strong, { assignment: 'eligible' })];
    expect(run([...entities].reverse())).toEqual(run(entities));
  });
});
