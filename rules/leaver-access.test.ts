import { describe, expect, it } from 'vitest';
import type { Account, AppGrant, Entity } from '../src/core/model.ts';
import type { StreamOutcome } from '../src/core/stream-outcome.ts';
import { buildSnapshotView } from '../src/evaluate/build-view.ts';
import { evaluateRules } from '../src/evaluate/run-rules.ts';
import { createAccessKey, createAccount, createOutcome, createPerson, createSnapshot, createSource, evaluateRule, TEST_AS_OF } from '../src/evaluate/test-factories.ts';
import { leaverAccess } from './leaver-access.ts';

/** `n` hours before the run. */
const hoursAgo = (n: number): string => new Date(Date.parse(TEST_AS_OF) - n * 3_600_000).toISOString();

const google = createSource({ connector: 'google-workspace', instance: 'google-main' });
const aws = createSource({ connector: 'aws-iam', instance: 'aws-prod' });
const ARN = 'arn:aws:iam::111122223333:user/ann';

/** Google's user for ann@contoso.com. */
const gAnn = (extra: Partial<Account> = {}) => createAccount({ key: '1001', username: 'ann@contoso.com', source: google, ...extra });
/** Her IAM user, linked by its `email` tag, as the aws-iam connector maps it. */
const awsAnn = (extra: Partial<Account> = {}) =>
  createAccount({ key: ARN, username: 'ann', email: 'ann@contoso.com', displayName: 'ann', source: aws, attributes: { awsAccountId: '111122223333' }, ...extra });
const annKey = (extra: Parameters<typeof createAccessKey>[0] = {}) =>
  createAccessKey({ accountKey: ARN, keyId: `${ARN}#1`, key: `${ARN}#1`, source: aws, lastUsedAt: hoursAgo(5), ...extra });
/** HR says Ann left `hours` ago (`null`: terminated without a date). */
const leftAnn = (hours: number | null) => createPerson({ status: 'terminated', leaveDate: hours === null ? null : hoursAgo(hours) });

/** Google's token for one user: the grant names the app itself. */
function grant(principalKey: string, app: string): AppGrant {
  return {
    kind: 'app_grant', key: `${principalKey}:${app}`, source: google, appKey: `oauth-client:${app}`, grantType: 'delegated', consentType: 'principal',
    principalKey, resourceKey: null, resourceName: null, scopes: ['https://mail.google.com/'], createdAt: null, appDisplayName: app,
  };
}

/** Complete streams for every entity's kind, with `override` replacing the stream of its instance and kind. */
function run(entities: Entity[], opts: { outcomes?: StreamOutcome[]; params?: Record<string, unknown> } = {}) {
  const base = createSnapshot({ entities }).outcomes;
  const extra = opts.outcomes ?? [];
  const outcomes = [...base.filter((o) => !extra.some((x) => x.instance === o.instance && x.entity === o.entity)), ...extra];
  return evaluateRule(leaverAccess, createSnapshot({ entities, outcomes }), opts.params ? { params: opts.params } : {});
}

describe('leaver-access', () => {
  it('fails a person who left 30 h ago with an enabled Google account and an active AWS key, listing both', () => {
    const result = run([leftAnn(30), gAnn(), awsAnn({ signIn: null }), annKey()]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(2);
    expect(result.threshold).toBe(0);
    expect(result.unit).toBe('count');
    expect(result.summary).toBe('1 of 1 person who left still has access more than 24 h after leaving (longest: Ann Example, 30 h); 2 accounts past the limit');
    expect(result.subjects).toEqual([
      {
        ref: ARN,
        label: 'ann (AWS account 111122223333)',
        instance: 'aws-prod',
        status: 'fail',
        why: 'Ann Example left 30 h ago (2025-02-27 18:00 UTC, from hr); account still enabled; access key …#1 active (last used 2025-02-28 19:00 UTC, after leaving); access also remains in google-main',
      },
      {
        ref: '1001',
        label: 'ann@contoso.com',
        instance: 'google-main',
        status: 'fail',
        why: 'Ann Example left 30 h ago (2025-02-27 18:00 UTC, from hr); account still enabled; access also remains in aws-prod',
      },
    ]);
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'fail', 2],
      ['aws-prod', 'fail', 1],
      ['google-main', 'fail', 1],
    ]);
    expect(result.breakdown[1]!.summary).toBe('1 account of people who left still usable more than 24 h after leaving (longest 30 h)');
  });

  it('lists access within the limit as pending with the hours that remain, and passes', () => {
    const result = run([leftAnn(10), gAnn(), awsAnn(), annKey()]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.subjects.map((s) => s.status)).toEqual(['pending', 'pending']);
    expect(result.subjects[1]!.why).toBe('left 10 h ago, 14 h left of the 24 h limit; Ann Example (2025-02-28 14:00 UTC, from hr); account still enabled; access also remains in aws-prod');
    expect(result.summary).toBe('1 person who left: none has access more than 24 h after leaving; 1 person within 24 h of leaving still has access (pending); 2 accounts pending');
  });

  it('lists a scheduled departure as pending with the time until access must be gone', () => {
    const result = run([leftAnn(-5), gAnn()]);
    expect(result.status).toBe('pass');
    expect(result.subjects.map((s) => [s.status, s.why.split(';')[0]])).toEqual([['pending', 'leaves in 5 h, then 24 h to remove access (29 h left)']]);
  });

  it('never fails on pending subjects: with the one failure accepted, the result passes', () => {
    const bob = createPerson({ key: '2000', employeeId: '2000', email: 'bob@contoso.com', displayName: 'Bob', status: 'terminated', leaveDate: hoursAgo(30) });
    const view = buildSnapshotView(createSnapshot({ entities: [leftAnn(10), gAnn(), bob, createAccount({ key: '2001', username: 'bob@contoso.com', source: google })] }));
    const plain = evaluateRules(view, [leaverAccess]).results[0]!;
    expect([plain.status, plain.measured]).toEqual(['fail', 1]);
    expect(plain.subjects.map((s) => [s.label, s.status])).toEqual([['ann@contoso.com', 'pending'], ['bob@contoso.com', 'fail']]);
    const handover = { rule: 'leaver-access', subject: 'bob@contoso.com', reason: 'handover', approvedBy: 'CISO', expires: '2025-03-15' };
    const accepted = evaluateRules(view, [leaverAccess], { exceptions: [handover] }).results[0]!;
    expect([accepted.status, accepted.measured]).toEqual(['pass', 0]);
    expect(accepted.subjects.map((s) => s.status)).toEqual(['pending', 'excepted']);
  });

  it('counts whole hours: 24 h is within the limit, 25 h is past it; the limit is a parameter', () => {
    expect(run([leftAnn(24.9), gAnn()]).status).toBe('pass');
    expect(run([leftAnn(25), gAnn()]).status).toBe('fail');
    expect(run([leftAnn(25), gAnn()], { params: { hours: 48 } }).status).toBe('pass');
  });

  it('passes a person who left 25 h ago with every account disabled and every key inactive', () => {
    const result = run([leftAnn(25), gAnn({ enabled: false }), awsAnn({ enabled: false }), annKey({ active: false }), grant('1001', 'ChatGPT')]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.subjects).toEqual([]);
    expect(result.summary).toBe('1 person who left: none has access more than 24 h after leaving');
  });

  it('counts an active key on a disabled account, and names the OAuth grants of an enabled one', () => {
    const result = run([leftAnn(40), gAnn(), grant('1001', 'ChatGPT'), grant('1001', 'Otter.ai'), awsAnn({ enabled: false }), annKey({ lastUsedAt: hoursAgo(50) })]);
    expect(result.subjects.map((s) => [s.instance, s.why])).toEqual([
      ['aws-prod', 'Ann Example left 40 h ago (2025-02-27 08:00 UTC, from hr); access key …#1 active (last used 2025-02-26 22:00 UTC); access also remains in google-main'],
      ['google-main', 'Ann Example left 40 h ago (2025-02-27 08:00 UTC, from hr); account still enabled; OAuth grants to ChatGPT, Otter.ai; access also remains in aws-prod'],
    ]);
  });

  it('names another account in the same system as such', () => {
    const sso = createAccount({ key: 'identitystore:u-ann', username: 'ann@contoso.com', source: aws });
    const result = run([leftAnn(30), gAnn(), awsAnn(), sso]);
    expect(result.subjects.map((s) => s.why.split('; ').at(-1))).toEqual([
      'access also remains in another aws-prod account, google-main',
      'access also remains in another aws-prod account, google-main',
      'access also remains in aws-prod',
    ]);
  });

  it('says when an account was signed in to after leaving', () => {
    const result = run([leftAnn(30), gAnn({ signIn: { lastSuccessfulAt: hoursAgo(2), lastInteractiveAt: hoursAgo(2), lastNonInteractiveAt: null } })]);
    expect(result.subjects[0]!.why).toContain('account still enabled (signed in after leaving, last 2025-02-28 22:00 UTC)');
  });

  it('cannot judge a terminated person without a leave date who still has access', () => {
    const result = run([leftAnn(null), gAnn()]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.subjects).toEqual([
      { ref: '1001', label: 'ann@contoso.com', instance: 'google-main', status: 'not_evaluable', why: 'terminated without a leave date: cannot tell how long access has remained; Ann Example: account still enabled; HR (hr) says terminated but gives no leave date; hours since leaving cannot be measured' },
    ]);
    expect(result.reasons[0]).toMatch(/^ann@contoso.com in google-main: terminated without a leave date/);
    // Nothing left to remove: no date is needed to pass.
    expect(run([leftAnn(null), gAnn({ enabled: false })]).status).toBe('pass');
  });

  it('cannot clear a disabled account whose access keys could not be read; an enabled one still fails', () => {
    const failedKeys = createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'access_key', stream: 'credential_report', status: 'failed', failures: [{ kind: 'denied', detail: 'iam:GenerateCredentialReport denied' }] });
    const unknown = run([leftAnn(30), gAnn({ enabled: false }), awsAnn({ enabled: false })], { outcomes: [failedKeys] });
    expect(unknown.status).toBe('not_evaluable');
    expect(unknown.subjects).toEqual([
      {
        ref: ARN,
        label: 'ann (AWS account 111122223333)',
        instance: 'aws-prod',
        status: 'not_evaluable',
        why: 'Ann Example left 30 h ago (2025-02-27 18:00 UTC, from hr); the account is disabled, but its access keys could not be read (aws-prod/credential_report is failed: denied: iam:GenerateCredentialReport denied), so remaining access cannot be ruled out',
      },
    ]);
    const failing = run([leftAnn(30), gAnn({ enabled: false }), awsAnn()], { outcomes: [failedKeys] });
    expect(failing.status).toBe('fail');
    expect(failing.subjects[0]!.why).toContain('account still enabled; not checked: its access keys could not be read');
  });

  it('is not evaluable without an HR source or any leave date: nothing says who left', () => {
    const result = run([gAnn(), awsAnn()]);
    expect(result.status).toBe('not_evaluable');
    expect(result.notApplicable).toBe(false);
    expect(result.reasons[0]).toMatch(/^no HR source or leave dates configured/);
  });

  it('works from Entra leave dates alone, naming the source', () => {
    const entra = createAccount({ key: 'u1', username: 'ann@contoso.com', employeeId: '1042', leaveDate: hoursAgo(30) });
    const result = run([entra, gAnn()]);
    expect(result.status).toBe('fail');
    expect(result.subjects.map((s) => s.why)).toEqual([
      'Ann Example left 30 h ago (2025-02-27 18:00 UTC, from m365-main/employeeLeaveDateTime); account still enabled; access also remains in m365-main',
      'Ann Example left 30 h ago (2025-02-27 18:00 UTC, from m365-main/employeeLeaveDateTime); account still enabled; access also remains in google-main',
    ].map((w) => w.replace('Ann Example', 'ann')));
  });

  it('uses the earliest of disagreeing leave dates and says they disagree', () => {
    const entra = createAccount({ key: 'u1', username: 'ann@contoso.com', employeeId: '1042', enabled: false, leaveDate: hoursAgo(30) });
    const result = run([leftAnn(100), entra, gAnn()]);
    expect(result.subjects[0]!.why).toBe(
      'Ann Example left 100 h (4 days) ago (2025-02-24 20:00 UTC, from hr; m365-main/employeeLeaveDateTime: 2025-02-27 18:00 UTC); account still enabled; leave dates disagree by 2.9 days: hr says 2025-02-24 20:00 UTC, m365-main/employeeLeaveDateTime says 2025-02-27 18:00 UTC; the earliest is used',
    );
  });

  it('passes when no one has left, and is not evaluable when the HR stream failed unless someone already fails', () => {
    expect(run([createPerson(), gAnn()]).summary).toBe('no one has left (by HR status or a passed leave date)');
    expect(run([createPerson(), gAnn()]).status).toBe('pass');
    const failedHr = createOutcome({ connector: 'hr-csv', instance: 'hr', entity: 'person', status: 'failed', failures: [{ kind: 'invalid', detail: 'the roster file is not CSV' }] });
    const blocked = run([gAnn()], { outcomes: [failedHr] });
    expect(blocked.status).toBe('not_evaluable');
    expect(blocked.reasons).toEqual(['hr/person is failed: invalid: the roster file is not CSV']);
    const entra = createAccount({ key: 'u1', username: 'ann@contoso.com', leaveDate: hoursAgo(30) });
    expect(run([entra], { outcomes: [failedHr] }).status).toBe('fail');
  });

  it('lets an exception accept one account (a mailbox kept for a handover), recounting the rest', () => {
    const view = buildSnapshotView(createSnapshot({ entities: [leftAnn(30), gAnn(), awsAnn(), annKey()] }));
    const handover = { rule: 'leaver-access', subject: 'ann@contoso.com', reason: 'mailbox kept for the handover', approvedBy: 'CISO', expires: '2025-03-15' };
    const one = evaluateRules(view, [leaverAccess], { exceptions: [handover] }).results[0]!;
    expect(one.status).toBe('fail');
    expect(one.measured).toBe(1);
    expect(one.subjects.map((s) => s.status)).toEqual(['fail', 'excepted']);
    const both = evaluateRules(view, [leaverAccess], { exceptions: [handover, { ...handover, subject: 'ann (AWS*' }] }).results[0]!;
    expect(both.status).toBe('pass');
    expect(both.measured).toBe(0);
  });
});
