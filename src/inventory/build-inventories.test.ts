import { describe, expect, it } from 'vitest';
import type { Entity } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import { buildSnapshotView } from '../evaluate/build-view.ts';
import {
  createAccessKey, createAccount, createMfa, createOutcome, createPerson, createRoleAssignment, createSnapshot, createSource, TEST_AS_OF,
} from '../evaluate/test-factories.ts';
import { createApp, createAppGrant } from '../../rules/ai-catalog/app-factories.ts';
import { DEFAULT_AI_CATALOG } from '../../rules/ai-catalog/default-catalog.ts';
import { buildInventories } from './build-inventories.ts';
import type { ApprovedAppConfig } from '../core/config.ts';

const hoursAgo = (n: number): string => new Date(Date.parse(TEST_AS_OF) - n * 3_600_000).toISOString();
const aws = createSource({ connector: 'aws-iam', instance: 'aws-prod' });
const ARN = 'arn:aws:iam::111122223333:user/ann';

function inventories(entities: Entity[], opts: { outcomes?: StreamOutcome[]; streams?: Entity['kind'][]; approvedApps?: ApprovedAppConfig[]; accounts?: { breakGlass?: string[]; service?: string[] } } = {}) {
  const base = createSnapshot({ entities, streams: opts.streams ?? [] }).outcomes;
  const extra = opts.outcomes ?? [];
  const outcomes = [...base.filter((o) => !extra.some((x) => x.instance === o.instance && x.entity === o.entity)), ...extra];
  const view = buildSnapshotView(createSnapshot({ entities, outcomes }), { accounts: opts.accounts ?? {}, identity: {} });
  return buildInventories(view, { catalog: DEFAULT_AI_CATALOG, approvedApps: opts.approvedApps ?? [] });
}

describe('privileged access inventory', () => {
  it('lists active and eligible assignments with holder, person, class and MFA state', () => {
    const inv = inventories([
      createPerson(),
      createAccount({ username: 'ann@contoso.com', employeeId: '1042' }),
      createMfa({ accountKey: 'ann@contoso.com' }),
      createAccount({ username: 'bob@contoso.com' }),
      createMfa({ accountKey: 'bob@contoso.com', registered: false, methods: [], strongMethods: [] }),
      createRoleAssignment({ principalKey: 'ann@contoso.com' }),
      createRoleAssignment({ principalKey: 'bob@contoso.com', assignment: 'eligible', roleId: 'sec-admin', roleName: 'Security Administrator' }),
      createRoleAssignment({ principalKey: 'bob@contoso.com', roleId: 'reader', roleName: 'Directory Readers', privileged: false }),
    ]);
    const p = inv['privileged-access'];
    expect(p.availability).toEqual({ complete: true, reasons: [] });
    expect(p.rows.map((r) => [r.roleName, r.assignment, r.principal, r.personName, r.accountClass, r.mfa, r.since])).toEqual([
      ['Global Administrator', 'active', 'ann@contoso.com', 'Ann Example', 'human', 'registered', '2024-01-01T00:00:00Z'],
      ['Security Administrator', 'eligible', 'bob@contoso.com', 'bob', 'human', 'not_registered', '2024-01-01T00:00:00Z'],
    ]);
    expect(p.rows[0]!.instance).toBe('m365-main');
    expect(p.rows[0]!.key).toBe('ann@contoso.com/global-admin/active');
  });

  it('is not complete when a role is held by a group or the role stream failed', () => {
    const group = inventories([createAccount(), createRoleAssignment({ principalKey: 'grp-1', principalType: 'group', principalName: 'IT Admins' })], { streams: ['mfa'] });
    expect(group['privileged-access'].availability.complete).toBe(false);
    expect(group['privileged-access'].availability.reasons[0]).toContain('group IT Admins');
    expect(group['privileged-access'].rows[0]).toMatchObject({ principalType: 'group', principal: 'IT Admins', mfa: 'unknown', accountKey: null });

    const denied = inventories([createAccount(), createRoleAssignment()], {
      streams: ['mfa'],
      outcomes: [createOutcome({ entity: 'role_assignment', status: 'failed', failures: [{ kind: 'denied', detail: '403 Forbidden' }] })],
    });
    expect(denied['privileged-access'].availability).toEqual({ complete: false, reasons: ['m365-main/role_assignment is failed: denied: 403 Forbidden'] });
    expect(denied['review-population'].availability.complete).toBe(false);
  });

  it('says MFA is unknown, not missing, where the instance has no MFA record for the account', () => {
    const inv = inventories([createAccount(), createRoleAssignment()], { streams: ['mfa'] });
    expect(inv['privileged-access'].rows[0]!.mfa).toBe('unknown');
  });
});

describe('app inventory', () => {
  const chatgpt = createApp({ displayName: 'ChatGPT', key: 'sp-chatgpt', publisher: { name: 'OpenAI', verifiedId: '123' } });
  const crm = createApp({ displayName: 'Contoso CRM', key: 'sp-crm' });

  it('lists every grant with catalog match, approval, owner, consent, users and reach', () => {
    const inv = inventories(
      [
        createAccount({ username: 'ann@contoso.com' }),
        createAccount({ username: 'bob@contoso.com' }),
        chatgpt,
        crm,
        createAppGrant({ appKey: 'sp-chatgpt', principalKey: 'ann@contoso.com', scopes: ['Mail.Read', 'User.Read'] }),
        createAppGrant({ appKey: 'sp-chatgpt', principalKey: 'bob@contoso.com', scopes: ['User.Read'] }),
        createAppGrant({ appKey: 'sp-crm', consentType: 'all_principals', scopes: ['Contacts.Read'] }),
      ],
      { approvedApps: [{ app: 'Contoso CRM', owner: 'Sales Ops', purpose: 'CRM', dataAllowed: 'contacts', approvedBy: 'CISO', reviewDate: '2026-01-01' }] },
    );
    const rows = inv.apps.rows;
    expect(inv.apps.availability.complete).toBe(true);
    expect(rows.map((r) => [r.appName, r.aiCatalogId, r.approved, r.owner, r.grantedBy, r.consentType, r.appUsers, r.reach.join('|'), r.severity])).toEqual([
      ['ChatGPT', 'chatgpt', false, null, 'ann@contoso.com', 'principal', 2, 'mail', 'high'],
      ['ChatGPT', 'chatgpt', false, null, 'bob@contoso.com', 'principal', 2, '', 'low'],
      ['Contoso CRM', null, true, 'Sales Ops', 'all users (admin consent)', 'all_principals', null, 'contacts', 'high'],
    ]);
  });

  it('does not look complete when grants point at apps that could not be named', () => {
    const inv = inventories([createAppGrant({ appKey: 'sp-unknown' })], {
      outcomes: [createOutcome({ entity: 'app', status: 'failed', failures: [{ kind: 'denied', detail: 'no Application.Read.All' }] })],
    });
    expect(inv.apps.rows).toEqual([]);
    expect(inv.apps.availability.complete).toBe(false);
    expect(inv.apps.availability.reasons.join()).toContain('1 grant in m365-main not listed');
  });
});

describe('account inventory', () => {
  it('lists each person with their accounts across systems, then unmatched accounts with why', () => {
    const inv = inventories(
      [
        createPerson(),
        createAccount({ username: 'ann@contoso.com', employeeId: '1042' }),
        createAccount({ key: ARN, username: 'ann', email: 'ann@contoso.com', source: aws, signIn: null }),
        createAccount({ username: 'svc-backup@contoso.com' }),
      ],
      { streams: ['mfa'] },
    );
    const rows = inv.accounts.rows;
    expect(rows.map((r) => [r.instance, r.username, r.personName, r.matched, r.accountClass])).toEqual([
      ['aws-prod', 'ann', 'Ann Example', true, 'human'],
      ['m365-main', 'ann@contoso.com', 'Ann Example', true, 'human'],
      ['m365-main', 'svc-backup@contoso.com', null, false, 'service'],
    ]);
    expect(rows[0]!.signInKnown).toBe(false);
    expect(rows[2]!.link).toContain('service account, not linked to a person');
  });
});

describe('review population', () => {
  it('holds every enabled account with its class, privileged flag and last sign-in, and no disabled one', () => {
    const inv = inventories([
      createAccount({ username: 'ann@contoso.com' }),
      createAccount({ username: 'old@contoso.com', enabled: false }),
      createAccount({ username: 'guest_x#EXT#@contoso.com', vendorType: 'guest' }),
      createRoleAssignment({ principalKey: 'ann@contoso.com', assignment: 'eligible' }),
    ]);
    expect(inv['review-population'].rows.map((r) => [r.username, r.accountClass, r.privileged, r.roles.join('|'), r.lastSignIn])).toEqual([
      ['ann@contoso.com', 'human', true, 'Global Administrator (eligible)', '2025-02-20T09:00:00Z'],
      ['guest_x#EXT#@contoso.com', 'guest', false, '', '2025-02-20T09:00:00Z'],
    ]);
  });
});

describe('leavers inventory', () => {
  it('lists each leaver account with remaining access and hours; removed accounts give an upper bound', () => {
    const inv = inventories([
      createPerson({ status: 'terminated', leaveDate: hoursAgo(30) }),
      createAccount({ username: 'ann@contoso.com', employeeId: '1042', enabled: false }),
      createAccount({ key: ARN, username: 'ann', email: 'ann@contoso.com', source: aws, attributes: { awsAccountId: '111122223333' } }),
      createAccessKey({ accountKey: ARN, keyId: `${ARN}#1`, key: `${ARN}#1`, source: aws }),
    ]);
    expect(inv.leavers.availability.complete).toBe(true);
    expect(inv.leavers.rows.map((r) => [r.instance, r.username, r.enabled, r.activeKeys, r.hoursSinceLeaving, r.removal, r.hoursToRemoval])).toEqual([
      ['aws-prod', 'ann (AWS account 111122223333)', true, 1, 30, 'still_enabled', 30],
      ['m365-main', 'ann@contoso.com', false, 0, 30, 'removed', 30],
    ]);
    expect(inv.leavers.rows[0]!.access.join('; ')).toMatch(/^account still enabled; access key …#1 active/);
    expect(inv.leavers.rows[0]).toMatchObject({ personName: 'Ann Example', leaveSource: 'hr', key: ARN });
  });

  it('says a leaver with no linked account has none, instead of calling their access removed', () => {
    // The account's address does not match the person: correlation fails, so nothing proves removal.
    const inv = inventories([createPerson({ status: 'terminated', leaveDate: hoursAgo(30) }), createAccount({ username: 'a.example@elsewhere.test', employeeId: null })]);
    expect(inv.leavers.rows.map((r) => [r.personName, r.instance, r.removal, r.hoursToRemoval])).toEqual([['Ann Example', 'hr', 'no_linked_account', null]]);
  });

  it('gives no bound for someone whose leave date has not come yet', () => {
    const inv = inventories([createPerson({ status: 'terminated', leaveDate: hoursAgo(-5) }), createAccount({ username: 'ann@contoso.com', employeeId: '1042' })]);
    expect(inv.leavers.rows.map((r) => [r.hoursSinceLeaving, r.removal, r.hoursToRemoval])).toEqual([[-5, 'still_enabled', null]]);
  });

  it('is not complete without any source of who left, and says so', () => {
    const inv = inventories([createAccount()]);
    expect(inv.leavers.rows).toEqual([]);
    expect(inv.leavers.availability.complete).toBe(false);
    expect(inv.leavers.availability.reasons.join()).toContain('nothing says who left');
  });
});
