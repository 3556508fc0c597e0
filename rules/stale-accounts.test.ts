import { describe, expect, it } from 'vitest';
import type { Account, Entity } from '../src/core/model.ts';
import { createAccount, createOutcome, createSnapshot, createSource, evaluateRule, TEST_AS_OF } from '../src/evaluate/test-factories.ts';
import { staleAccounts } from './stale-accounts.ts';

const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) => evaluateRule(staleAccounts, createSnapshot({ entities, streams: ['account'] }), options);

/** `n` days (plus `hours`) before the run. */
function daysAgo(n: number, hours = 0): string {
  return new Date(Date.parse(TEST_AS_OF) - (n * 24 + hours) * 3600_000).toISOString();
}

/** An enabled member last signed in `days` ago (`null`: never), created `created` days ago. */
function user(name: string, days: number | null, created: number | null = 400, extra: Partial<Account> & { instance?: string } = {}): Account {
  const at = days === null ? null : daysAgo(days);
  return createAccount({
    username: `${name}@contoso.com`,
    createdAt: created === null ? null : daysAgo(created),
    signIn: { lastSuccessfulAt: at, lastInteractiveAt: at, lastNonInteractiveAt: null },
    ...extra,
  });
}

const aws = createSource({ connector: 'aws-iam', instance: 'aws-prod' });

describe('stale-accounts', () => {
  it('passes at exactly the limit and fails one day over it, in whole days', () => {
    const atLimit = run([createAccount({ signIn: { lastSuccessfulAt: daysAgo(90, 23), lastInteractiveAt: null, lastNonInteractiveAt: null } })]);
    expect(atLimit.status).toBe('pass');
    expect(atLimit.measured).toBe(0);
    expect(atLimit.summary).toBe('1 enabled human or service account checked: it signed in within 90 days or is new (30 days\' grace)');

    const over = run([user('ann', 91), user('bob', 134), user('cy', 3)]);
    expect(over.status).toBe('fail');
    expect(over.measured).toBe(2);
    expect(over.threshold).toBe(0);
    expect(over.unit).toBe('count');
    expect(over.summary).toBe("2 of 3 enabled human and service accounts without a successful sign-in for more than 90 days (never used: 30 days' grace from creation)");
    expect(over.subjects).toEqual([
      { ref: 'ann@contoso.com', label: 'ann@contoso.com', instance: 'm365-main', status: 'fail', why: 'last successful sign-in 91 days ago (2024-11-30), limit 90' },
      { ref: 'bob@contoso.com', label: 'bob@contoso.com', instance: 'm365-main', status: 'fail', why: 'last successful sign-in 134 days ago (2024-10-18), limit 90' },
    ]);
  });

  it('gives a never-used account graceDays from its creation, then fails it as never used', () => {
    expect(run([user('new', null, 30)]).status).toBe('pass');
    const late = run([user('new', null, 45)]);
    expect(late.status).toBe('fail');
    expect(late.subjects[0]?.why).toBe('never signed in; created 45 days ago (grace 30)');
    expect(run([user('new', null, 45)], { params: { graceDays: 60 } }).status).toBe('pass');
  });

  it('says when an account only has failed attempts, never a success', () => {
    const a = user('try', null, 200, { signIn: { lastSuccessfulAt: null, lastInteractiveAt: daysAgo(5), lastNonInteractiveAt: null } });
    expect(run([a]).subjects[0]?.why).toBe(`no successful sign-in recorded (last attempt ${daysAgo(5).slice(0, 10)}); created 200 days ago (grace 30)`);
  });

  it('cannot judge a never-used account without a creation date', () => {
    const result = run([user('ok', 1), user('nodate', null, null)]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.subjects).toEqual([
      expect.objectContaining({ label: 'nodate@contoso.com', status: 'not_evaluable', why: 'never signed in, and its creation date is not reported, so the 30-day grace cannot be checked' }),
    ]);
    expect(result.reasons).toEqual(['m365-main: 1 never-used account without a creation date, so the grace period cannot be checked']);
    // Another account already failing decides the result.
    expect(run([user('old', 200), user('nodate', null, null)]).status).toBe('fail');
  });

  it('checks service accounts; excludes break-glass, guests, root, shared mailboxes, disabled accounts and future hires, saying why', () => {
    const result = run(
      [
        user('svc-sync', 200),
        user('bg-admin', 400),
        user('guest_ext', 400, 400, { vendorType: 'guest' }),
        user('gone', 400, 400, { enabled: false }),
        user('starter', null, 60, { hireDate: daysAgo(-10) }),
        user('info', 400),
        createAccount({ key: 'root-1', username: '<root_account>', vendorType: 'root', source: aws, signIn: { lastSuccessfulAt: daysAgo(300), lastInteractiveAt: null, lastNonInteractiveAt: null } }),
      ],
      { accounts: { breakGlass: ['bg-*@contoso.com'], service: ['svc-*@contoso.com'], sharedMailbox: ['info@contoso.com'] } },
    );
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    const byLabel = Object.fromEntries(result.subjects.map((s) => [s.label, [s.status, s.why]]));
    expect(byLabel['svc-sync@contoso.com']).toEqual(['fail', 'last successful sign-in 200 days ago (2024-08-13), limit 90']);
    expect(byLabel['bg-admin@contoso.com']?.[0]).toBe('excluded');
    expect(byLabel['bg-admin@contoso.com']?.[1]).toMatch(/^not checked: configured break-glass .*; emergency accounts are meant to sit unused/);
    expect(byLabel['guest_ext@contoso.com']?.[1]).toMatch(/guest-accounts checks guests$/);
    expect(byLabel['gone@contoso.com']?.[0]).toBe('excluded');
    expect(byLabel['starter@contoso.com']?.[1]).toMatch(/^not checked: future hire/);
    expect(byLabel['info@contoso.com']?.[1]).toMatch(/shared mailbox is opened by its members/);
    expect(Object.keys(byLabel).some((l) => l.includes('root'))).toBe(true);
    expect(result.summary).toContain('excluded 6 accounts (1 guest, 1 shared mailbox, 1 break-glass, 1 root user, 1 disabled, 1 future hire)');
  });

  it('is not evaluable, naming the licence, when the instance collected no sign-in data (M365 without Entra ID P1)', () => {
    const snapshot = createSnapshot({
      entities: [user('ann', 200)],
      outcomes: [
        createOutcome({
          entity: 'account',
          status: 'partial',
          failures: [{ kind: 'unlicensed', field: 'signIn', detail: 'sign-in activity not collected: the tenant has no Entra ID P1', needs: 'Microsoft Entra ID P1' }],
        }),
      ],
    });
    const result = evaluateRule(staleAccounts, snapshot);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['m365-main/account is partial: unlicensed: sign-in activity not collected: the tenant has no Entra ID P1 (needs Microsoft Entra ID P1)']);
  });

  it('treats an account with no sign-in record in a complete stream as not collected, never as "never signed in"', () => {
    const ic = createAccount({ key: 'identitystore:d-1/u-1', username: 'ann@contoso.com', source: aws, signIn: null, createdAt: daysAgo(400), attributes: { mfaReported: false } });
    const result = run([ic]);
    expect(result.status).toBe('not_evaluable');
    expect(result.subjects).toEqual([
      { ref: ic.key, label: 'ann@contoso.com', instance: 'aws-prod', status: 'not_evaluable', why: 'sign-in data not collected for this account, so its last sign-in cannot be checked' },
    ]);
    expect(result.reasons).toEqual(['aws-prod: no sign-in data for 1 account (e.g. IAM Identity Center users)']);
  });

  it('breaks the count down per instance, counting AWS console or key use as sign-in', () => {
    const deploy = createAccount({
      key: 'arn:aws:iam::111122223333:user/deploy',
      username: 'deploy',
      vendorType: 'service',
      source: aws,
      createdAt: daysAgo(900),
      signIn: { lastSuccessfulAt: daysAgo(2), lastInteractiveAt: null, lastNonInteractiveAt: daysAgo(2) },
      attributes: { awsAccountId: '111122223333' },
    });
    const old = createAccount({ ...deploy, key: 'arn:aws:iam::111122223333:user/old', username: 'old', vendorType: 'member', signIn: { lastSuccessfulAt: daysAgo(100), lastInteractiveAt: daysAgo(100), lastNonInteractiveAt: null } });
    const result = run([user('ann', 1), deploy, old]);
    expect(result.breakdown).toEqual([
      { scope: 'overall', status: 'fail', measured: 1, summary: "1 of 3 enabled human and service accounts without a successful sign-in for more than 90 days (never used: 30 days' grace from creation)" },
      { scope: 'aws-prod', status: 'fail', measured: 1, summary: "1 of 2 enabled human and service accounts without a successful sign-in for more than 90 days (never used: 30 days' grace from creation)" },
      { scope: 'm365-main', status: 'pass', measured: 0, summary: "1 enabled human or service account checked: it signed in within 90 days or is new (30 days' grace)" },
    ]);
    expect(result.subjects).toEqual([expect.objectContaining({ label: 'old (AWS account 111122223333)', why: 'last successful sign-in 100 days ago (2024-11-21), limit 90' })]);
  });

  it('uses configured limits and records them', () => {
    const result = run([user('ann', 40)], { params: { days: 30 } });
    expect(result.status).toBe('fail');
    expect(result.params).toEqual({ days: 30, graceDays: 30 });
    expect(result.subjects[0]?.why).toBe('last successful sign-in 40 days ago (2025-01-20), limit 30');
  });

  it('refuses a vacuous pass when there is no account to check', () => {
    const result = run([user('gone', 400, 400, { enabled: false })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['no enabled human and service accounts to check']);
  });

  it('gives the same result whatever order the store returns accounts in', () => {
    const entities = [user('ann', 91), user('bob', null, 45), user('cy', 3), user('dee', null, null), user('bg', 400)];
    const options = { accounts: { breakGlass: ['bg@contoso.com'] } };
    expect(run([...entities].reverse(), options)).toEqual(run(entities, options));
  });
});
