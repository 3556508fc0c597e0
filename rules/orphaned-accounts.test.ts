import { describe, expect, it } from 'vitest';
import type { Entity } from '../src/core/model.ts';
import type { StreamOutcome } from '../src/core/stream-outcome.ts';
import type { AccountLists } from '../src/identity/account-class.ts';
import { isNotApplicable } from '../src/evaluate/run-rules.ts';
import { createAccount, createOutcome, createPerson, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { orphanedAccounts } from './orphaned-accounts.ts';

const google = createSource({ connector: 'google-workspace', instance: 'google-main' });

function run(entities: Entity[], opts: { outcomes?: StreamOutcome[]; accounts?: AccountLists } = {}) {
  const base = createSnapshot({ entities }).outcomes;
  const extra = opts.outcomes ?? [];
  const outcomes = [...base.filter((o) => !extra.some((x) => x.instance === o.instance && x.entity === o.entity)), ...extra];
  return evaluateRule(orphanedAccounts, createSnapshot({ entities, outcomes }), opts.accounts ? { accounts: opts.accounts } : {});
}

const ann = createPerson();
const bob = createPerson({ employeeId: '1043', email: 'bob@contoso.com', displayName: 'Bob Example' });

describe('orphaned-accounts', () => {
  it('passes accounts that belong to a current person in HR, in every system', () => {
    const result = run([ann, bob, createAccount({ username: 'ann@contoso.com' }), createAccount({ key: 'g-bob', username: 'bob@contoso.com', source: google })]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.summary).toBe('2 enabled human accounts checked: each belongs to a current person in HR (hr)');
  });

  it('fails an enabled account that matches no one in the HR roster, saying how to fix it', () => {
    const result = run([ann, createAccount({ username: 'ann@contoso.com' }), createAccount({ key: 'u-zed', username: 'zed@contoso.com' })]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    expect(result.threshold).toBe(0);
    expect(result.unit).toBe('count');
    expect(result.subjects).toEqual([
      {
        ref: 'u-zed',
        label: 'zed@contoso.com',
        instance: 'm365-main',
        status: 'fail',
        why: 'no HR record (hr) describes its holder zed (linked by e-mail zed@contoso.com (mail); no HR record or other account has it); if they work here add them to HR or map the account in identity.mappings, else disable it',
      },
    ]);
    expect(result.summary).toBe('1 of 2 enabled human accounts matches no current person in HR (hr)');
  });

  it('fails an account linked to no person at all (two people fit), with identity\'s reason', () => {
    const both = createAccount({ key: 'u-x', username: 'ann@contoso.com', email: 'bob@contoso.com' });
    const result = run([ann, bob, both]);
    expect(result.status).toBe('fail');
    expect(result.subjects[0]!.why).toMatch(/^matches no person in HR \(hr\): .*not guessed: add "m365-main\/ann@contoso.com" to identity.mappings.*; link it in identity.mappings if someone holds it, else disable it$/);
  });

  it('excludes guests, service accounts, break-glass, disabled accounts and future hires, listing why', () => {
    const result = run(
      [
        ann,
        createAccount({ username: 'ann@contoso.com' }),
        createAccount({ key: 'guest', username: 'jane_partner.com#EXT#@contoso.onmicrosoft.com', email: 'jane@partner.com', vendorType: 'guest' }),
        createAccount({ key: 'svc', username: 'svc-backup@contoso.com' }),
        createAccount({ key: 'bg', username: 'breakglass1@contoso.com' }),
        createAccount({ key: 'off', username: 'old@contoso.com', enabled: false }),
        createAccount({ key: 'new', username: 'new@contoso.com', hireDate: '2025-04-01T00:00:00Z' }),
      ],
      { accounts: { breakGlass: ['breakglass1@contoso.com'] } },
    );
    expect(result.status).toBe('pass');
    expect(result.subjects.map((s) => [s.ref, s.status])).toEqual([
      ['bg', 'excluded'],
      ['guest', 'excluded'],
      ['new', 'excluded'],
      ['off', 'excluded'],
      ['svc', 'excluded'],
    ]);
    expect(result.subjects.find((s) => s.ref === 'guest')!.why).toBe(
      'not checked: guest (external) account in m365-main; guests are outside people whom HR does not list (guest-accounts checks them)',
    );
    expect(result.summary).toBe('1 enabled human account checked: it belongs to a current person in HR (hr); excluded 5 accounts (1 guest, 1 service, 1 break-glass, 1 disabled, 1 future hire)');
  });

  it('leaves accounts of people who left to leaver-access, so one finding is not counted twice', () => {
    const left = createPerson({ status: 'terminated', leaveDate: '2025-02-10T00:00:00Z' });
    const result = run([left, createAccount({ username: 'ann@contoso.com' })]);
    expect(result.subjects).toEqual([
      { ref: 'ann@contoso.com', label: 'ann@contoso.com', instance: 'm365-main', status: 'excluded', why: 'not checked: Ann Example left on 2025-02-10 per hr; leaver-access reports accounts of people who left' },
    ]);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['no enabled human account to check']);
  });

  it('is N/A without an HR source', () => {
    const result = run([createAccount({ username: 'zed@contoso.com' })]);
    expect(isNotApplicable(result)).toBe(true);
    expect(result.reasons).toEqual(['not applicable: no HR source is configured (hr-csv, bamboohr)']);
  });

  it('is not evaluable when the HR source could not say who is who', () => {
    const hidden = createOutcome({
      connector: 'hr-csv', instance: 'hr', entity: 'person', status: 'partial',
      failures: [{ kind: 'invalid', field: 'email', detail: 'column work_email is missing' }],
    });
    const result = run([ann, createAccount({ username: 'zed@contoso.com' })], { outcomes: [hidden] });
    expect(result.status).toBe('not_evaluable');
    expect(result.notApplicable).toBe(false);
    expect(result.reasons[0]).toContain('column work_email is missing');
  });
});
