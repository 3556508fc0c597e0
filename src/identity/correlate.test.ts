import { describe, expect, it } from 'vitest';
import type { Account, Person } from '../core/model.ts';
import { createAccountClassifier } from './account-class.ts';
import type { AccountLists } from './account-class.ts';
import { correlate } from './correlate.ts';
import type { IdentityOptions } from './mappings.ts';
import { createAccount, createPerson, createSource, TEST_AS_OF } from '../evaluate/test-factories.ts';

const asOf = new Date(TEST_AS_OF);
const GWS = createSource({ connector: 'google-workspace', instance: 'gws-main' });
const AWS = createSource({ connector: 'aws-iam', instance: 'aws-prod' });

function m365(upn: string, partial: Partial<Account> = {}): Account {
  return createAccount({ username: upn, key: `obj-${upn}`, ...partial });
}
function google(email: string, partial: Partial<Account> = {}): Account {
  return createAccount({ username: email, key: `g-${email}`, source: GWS, ...partial });
}
function iamUser(name: string, email: string | null, partial: Partial<Account> = {}): Account {
  return createAccount({ username: name, email, key: `arn:aws:iam::111122223333:user/${name}`, source: AWS, ...partial });
}

function run(accounts: Account[], persons: Person[] = [], config: IdentityOptions = {}, lists: AccountLists = {}) {
  const classify = createAccountClassifier(lists, config.mappings);
  return correlate({ accounts, persons, config, classify: (a) => classify(a, asOf), asOf });
}

function whys(result: ReturnType<typeof run>, id: string): Record<string, string> {
  const person = result.people.find((p) => p.id === id);
  if (!person) throw new Error(`no person ${id}; people: ${result.people.map((p) => p.id).join(', ')}`);
  return Object.fromEntries(person.accounts.map((l) => [`${l.account.source.instance}/${l.account.username}`, l.why]));
}

describe('correlate', () => {
  it('links M365 (UPN + mail), Google and an AWS IAM user tagged with e-mail into one person', () => {
    const accounts = [
      m365('ann@contoso.onmicrosoft.com', { email: 'ann@contoso.com' }),
      google('ann@contoso.com'),
      iamUser('ann', 'Ann@Contoso.com'),
    ];
    const r = run(accounts);
    expect(r.people.map((p) => p.id)).toEqual(['email:ann@contoso.com']);
    expect(r.people[0]!.emails).toEqual(['ann@contoso.com', 'ann@contoso.onmicrosoft.com']);
    expect(whys(r, 'email:ann@contoso.com')).toEqual({
      'aws-prod/ann': 'same e-mail ann@contoso.com (IAM user email tag)',
      'gws-main/ann@contoso.com': 'same e-mail ann@contoso.com (primary e-mail)',
      'm365-main/ann@contoso.onmicrosoft.com': 'same e-mail ann@contoso.com (mail)',
    });
    expect(r.unmatched).toEqual([]);
    for (const a of accounts) expect(r.personOf.get(a)).toBe(r.people[0]);
  });

  it('anchors people on HR records and says so in every why', () => {
    const accounts = [m365('ann@contoso.onmicrosoft.com', { employeeId: '1042' }), google('ann@contoso.com'), iamUser('ann', 'ann@contoso.com')];
    const r = run(accounts, [createPerson()]);
    expect(r.people).toHaveLength(1);
    const ann = r.people[0]!;
    expect(ann).toMatchObject({ id: 'employee:1042', displayName: 'Ann Example', employeeId: '1042', status: 'active', external: false });
    expect(whys(r, 'employee:1042')).toEqual({
      'aws-prod/ann': 'same e-mail ann@contoso.com (IAM user email tag) as HR record hr/1042 (Ann Example)',
      'gws-main/ann@contoso.com': 'same e-mail ann@contoso.com (primary e-mail) as HR record hr/1042 (Ann Example)',
      'm365-main/ann@contoso.onmicrosoft.com': 'same employee id 1042 as HR record hr/1042 (Ann Example)',
    });
  });

  it('links by employee id across systems without HR, then by the addresses those accounts teach', () => {
    // The demo's shape: Entra mail stays on onmicrosoft.com (no alias configured), Google holds the
    // same employee id, AWS knows only the company address.
    const accounts = [
      m365('ann@contoso.onmicrosoft.com', { employeeId: 'E1042' }),
      google('ann@contoso.com', { employeeId: 'e1042' }),
      iamUser('ann', 'ann@contoso.com'),
      createAccount({ username: 'ann@contoso.com', key: 'identitystore:d-1/u-1', source: AWS }),
    ];
    const r = run(accounts);
    expect(r.people.map((p) => p.id)).toEqual(['employee:E1042']);
    expect(whys(r, 'employee:E1042')).toEqual({
      'aws-prod/ann': 'same e-mail ann@contoso.com (IAM user email tag)',
      'aws-prod/ann@contoso.com': 'same e-mail ann@contoso.com (Identity Center e-mail)',
      'gws-main/ann@contoso.com': 'same employee id E1042',
      'm365-main/ann@contoso.onmicrosoft.com': 'same employee id E1042',
    });
  });

  it('applies domain aliases', () => {
    const r = run([m365('ann@contoso.onmicrosoft.com'), google('ann@contoso.com')], [], { domainAliases: { 'contoso.onmicrosoft.com': 'contoso.com' } });
    expect(r.people).toHaveLength(1);
    expect(r.people[0]!.emails).toEqual(['ann@contoso.com']);
    expect(whys(r, 'email:ann@contoso.com')['m365-main/ann@contoso.onmicrosoft.com']).toBe('same e-mail ann@contoso.com (mail)');
  });

  it('makes a guest an external person of their own, by their real address', () => {
    const guest = m365('jane_partner.com#EXT#@contoso.onmicrosoft.com', { vendorType: 'guest', email: null });
    const r = run([guest, m365('ann@contoso.com')]);
    const jane = r.personOf.get(guest)!;
    expect(jane).toMatchObject({ id: 'email:jane@partner.com', external: true, emails: ['jane@partner.com'] });
    expect(jane.accounts[0]!.why).toBe('e-mail jane@partner.com (guest UPN); no HR record or other account has it');
    expect(r.personOf.get(r.people.find((p) => p.id === 'email:ann@contoso.com')!.accounts[0]!.account)!.external).toBe(false);
  });

  it('lets an explicit mapping win over employee id and e-mail', () => {
    const persons = [createPerson(), createPerson({ key: '2001', employeeId: '2001', email: 'bob@contoso.com', displayName: 'Bob' })];
    const shared = iamUser('admin-ann', 'bob@contoso.com', { employeeId: '2001' });
    const r = run([shared], persons, { mappings: [{ account: 'aws-prod/admin-ann', person: 'ann@contoso.com', note: 'ticket 12' }] });
    expect(r.personOf.get(shared)!.id).toBe('employee:1042');
    expect(r.personOf.get(shared)!.accounts[0]!.why).toBe('mapped in config: identity.mappings aws-prod/admin-ann → ann@contoso.com (ticket 12)');
    expect(r.personOf.get(shared)!.conflicts).toContain('aws-prod/admin-ann carries employee id 2001, but the person\'s employee id is 1042');
  });

  it('maps by employee id, by account key, and creates the person when no one holds the key', () => {
    const a = iamUser('deploy-ann', null);
    const b = iamUser('ann2', null);
    const r = run([a, b], [], {
      mappings: [
        { account: 'aws-prod/DEPLOY-ANN', person: 'E77' },
        { account: 'aws-prod/arn:aws:iam::111122223333:user/ann2', person: 'e77' },
        { account: 'aws-prod/nobody', person: 'E77' },
      ],
    });
    expect(r.people.map((p) => [p.id, p.accounts.length])).toEqual([['employee:E77', 2]]);
    expect(r.unusedMappings).toEqual([{ account: 'aws-prod/nobody', person: 'E77' }]);
  });

  it('never guesses between two HR persons with the same e-mail: the account is unmatched naming both', () => {
    const persons = [createPerson({ key: '17', employeeId: '17', displayName: 'Ann Smith' }), createPerson({ key: '42', employeeId: '42', displayName: 'Ann Jones' })];
    const acc = google('ann@contoso.com');
    const r = run([acc], persons);
    expect(r.personOf.get(acc)).toBeUndefined();
    expect(r.unmatched).toEqual([
      {
        account: acc,
        why: 'primary e-mail ann@contoso.com matches more than one person: HR record hr/17 (Ann Smith) and HR record hr/42 (Ann Jones); not guessed: add "gws-main/ann@contoso.com" to identity.mappings to link it to a person',
      },
    ]);
    expect(r.people.map((p) => p.id)).toEqual(['employee:17', 'employee:42']);
    expect(r.people[0]!.conflicts).toContain('e-mail ann@contoso.com is also held by employee:42; accounts are not linked by it alone');
  });

  it('leaves an account unmatched when its employee id and its e-mail point to different people', () => {
    const persons = [createPerson(), createPerson({ key: '2001', employeeId: '2001', email: 'bob@contoso.com', displayName: 'Bob' })];
    const acc = google('bob@contoso.com', { employeeId: '1042' });
    const r = run([acc], persons);
    expect(r.unmatched[0]!.why).toBe(
      'employee id 1042 points to HR record hr/1042 (Ann Example), but primary e-mail bob@contoso.com points to HR record hr/2001 (Bob); not guessed: add "gws-main/bob@contoso.com" to identity.mappings to link it to a person',
    );
  });

  it('does not use an employee id two HR records share, but still links by a unique e-mail', () => {
    const persons = [createPerson({ key: 'a', employeeId: '7', email: 'ann@contoso.com' }), createPerson({ key: 'b', employeeId: '7', email: 'bob@contoso.com', displayName: 'Bob' })];
    const byEmail = google('bob@contoso.com', { employeeId: '7' });
    const byIdOnly = iamUser('x', null, { employeeId: '7' });
    const r = run([byEmail, byIdOnly], persons);
    expect(r.people.map((p) => p.id)).toEqual(['hr:hr/a', 'hr:hr/b']);
    expect(r.personOf.get(byEmail)!.id).toBe('hr:hr/b');
    expect(r.personOf.get(byEmail)!.accounts[0]!.why).toMatch(/^same e-mail bob@contoso.com \(primary e-mail\) as HR record hr\/b \(Bob\); employee id 7 is held by more than one person, so it was not used$/);
    expect(r.unmatched.map((u) => u.why)).toEqual([
      'employee id 7 is held by more than one person: HR record hr/a (Ann Example) and HR record hr/b (Bob); not guessed: add "aws-prod/x" to identity.mappings to link it to a person',
    ]);
  });

  it('merges the same employee in two HR systems', () => {
    const persons = [createPerson(), createPerson({ instance: 'bamboohr', email: null })];
    const r = run([], persons);
    expect(r.people).toHaveLength(1);
    expect(r.people[0]!.hrRecords.map((p) => p.source.instance)).toEqual(['bamboohr', 'hr']);
  });

  it('keeps service accounts, shared mailboxes, root users and break-glass accounts out of people', () => {
    const accounts = [
      m365('svc-backup@contoso.com'),
      m365('info@contoso.com'),
      m365('bg1@contoso.com'),
      m365('old-svc@contoso.com', { enabled: false }),
      iamUser('ci', null, { vendorType: 'service' }),
      createAccount({ username: '<root_account>', key: 'arn:aws:iam::111122223333:root', vendorType: 'root', source: AWS }),
    ];
    const r = run(accounts, [], {}, { breakGlass: ['bg1@contoso.com'], sharedMailbox: ['info@contoso.com'], service: ['old-svc@contoso.com'] });
    expect(r.people).toEqual([]);
    expect(r.unmatched.map((u) => `${u.account.username}: ${u.why}`)).toEqual([
      '<root_account>: root user, not linked to a person: root user of the cloud account in aws-prod; judged by the root-account rule, not by MFA coverage',
      'ci: service account, not linked to a person: aws-prod marks it as a service or workload account',
      'bg1@contoso.com: break-glass account, not linked to a person: configured break-glass (emergency access) account (matches "bg1@contoso.com")',
      'info@contoso.com: shared mailbox, not linked to a person: configured shared mailbox (matches "info@contoso.com")',
      'old-svc@contoso.com: disabled service account, not linked to a person: configured service account (matches "old-svc@contoso.com")',
      'svc-backup@contoso.com: service account, not linked to a person: name starts with svc-: treated as a service account (add it to accounts.service to confirm, or to identity.mappings to link it to a person)',
    ]);
  });

  it('links a name-guessed service account once identity.mappings names it', () => {
    const acc = m365('svc-ann@contoso.com');
    const r = run([acc], [createPerson()], { mappings: [{ account: 'm365-main/svc-ann@contoso.com', person: '1042' }] });
    expect(r.personOf.get(acc)!.id).toBe('employee:1042');
  });

  it('does not apply a mapping to an account a config list says is not a person', () => {
    const acc = m365('bg1@contoso.com');
    const r = run([acc], [createPerson()], { mappings: [{ account: 'm365-main/bg1@contoso.com', person: '1042' }] }, { breakGlass: ['bg1@contoso.com'] });
    expect(r.unmatched[0]!.why).toMatch(/^break-glass account, not linked to a person: .*; its identity.mappings entry m365-main\/bg1@contoso.com → 1042 is not applied/);
  });

  it('lists accounts with no key at all as unmatched, saying how to link them', () => {
    const acc = iamUser('lee', null);
    expect(run([acc]).unmatched).toEqual([{ account: acc, why: 'no employee id and no e-mail address to link it by; add "aws-prod/lee" to identity.mappings to link it to a person' }]);
  });

  it('reports an HR leave date and an Entra leave date 3 days apart as a conflict', () => {
    const hr = createPerson({ status: 'terminated', leaveDate: '2025-02-10T00:00:00Z' });
    const r = run([m365('ann@contoso.com', { leaveDate: '2025-02-13T00:00:00Z' })], [hr]);
    expect(r.people[0]).toMatchObject({
      status: 'terminated',
      leftAt: '2025-02-10T00:00:00.000Z',
      conflicts: ['leave dates disagree by 3 days: hr says 2025-02-10, m365-main/employeeLeaveDateTime says 2025-02-13; the earliest is used'],
    });
  });

  it('makes a person whose only hire date is after the run a future hire', () => {
    const r = run([m365('new@contoso.com', { hireDate: '2025-04-01T00:00:00Z' })]);
    expect(r.people[0]!.status).toBe('future');
  });

  it('keeps an HR person without accounts (every account already removed)', () => {
    const r = run([], [createPerson({ status: 'terminated', leaveDate: '2025-01-01T00:00:00Z' })]);
    expect(r.people[0]).toMatchObject({ id: 'employee:1042', accounts: [], status: 'terminated' });
  });

  it('gives the same output whatever order accounts and HR records arrive in', () => {
    const accounts = [
      m365('ann@contoso.onmicrosoft.com', { employeeId: '1042' }),
      google('ann@contoso.com'),
      iamUser('ann', 'ann@contoso.com'),
      google('bob@contoso.com', { employeeId: '9' }),
      m365('bob@contoso.onmicrosoft.com', { employeeId: '9' }),
      iamUser('lee', null),
      m365('svc-x@contoso.com'),
      google('carol@contoso.com'),
      iamUser('carol', 'carol+aws@contoso.com'),
    ];
    const persons = [createPerson(), createPerson({ key: 'c', employeeId: null, email: 'carol@contoso.com', displayName: 'Carol' })];
    const forward = run(accounts, persons);
    const backward = run([...accounts].reverse(), [...persons].reverse());
    const shape = (r: ReturnType<typeof run>) => JSON.stringify({ people: r.people, unmatched: r.unmatched });
    expect(shape(backward)).toBe(shape(forward));
    expect(forward.people.map((p) => `${p.id}:${p.accounts.length}`)).toEqual(['email:carol@contoso.com:2', 'employee:1042:3', 'employee:9:2']);
  });
});
