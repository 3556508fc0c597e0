import { describe, expect, it } from 'vitest';
import { buildSnapshotView } from './build-view.ts';
import { createAccount, createMfa, createOutcome, createPerson, createSnapshot, fakePageHash, TEST_AS_OF } from './test-factories.ts';

describe('buildSnapshotView', () => {
  const alice = createAccount({ username: 'alice@contoso.com' });
  const bob = createAccount({ username: 'bob@contoso.com', instance: 'gws-main', source: { org: 'contoso', connector: 'google-workspace', instance: 'gws-main' } });

  it('takes asOf from the run start, not the wall clock', () => {
    const view = buildSnapshotView(createSnapshot({ run: { startedAt: '2024-06-01T12:00:00Z', id: 7, org: 'fabrikam' } }));
    expect(view.asOf.toISOString()).toBe('2024-06-01T12:00:00.000Z');
    expect(view.runId).toBe(7);
    expect(view.org).toBe('fabrikam');
  });

  it('rejects a run without a valid start time', () => {
    expect(() => buildSnapshotView(createSnapshot({ run: { startedAt: 'yesterday' } }))).toThrow(/no valid start time/);
  });

  it('lists distinct sources from the outcomes', () => {
    const view = buildSnapshotView(createSnapshot({ entities: [alice, createMfa({ accountKey: alice.key }), bob] }));
    expect(view.sources).toEqual([
      { connector: 'google-workspace', instance: 'gws-main' },
      { connector: 'm365', instance: 'm365-main' },
    ]);
  });

  it('indexes entities by kind and by (instance, key)', () => {
    const view = buildSnapshotView(createSnapshot({ entities: [bob, alice, createMfa({ accountKey: alice.key })] }));
    expect(view.entities('account').map((a) => a.username)).toEqual(['bob@contoso.com', 'alice@contoso.com']); // gws-main sorts first
    expect(view.entities('mfa')).toHaveLength(1);
    expect(view.entities('app')).toEqual([]);
    expect(view.find('account', 'm365-main', 'alice@contoso.com')).toBe(alice);
    expect(view.find('account', 'gws-main', 'alice@contoso.com')).toBeUndefined();
    expect(view.find('mfa', 'm365-main', 'alice@contoso.com')).toBeUndefined();
  });

  it('says no connector collects a kind that no stream yields', () => {
    const view = buildSnapshotView(createSnapshot({ entities: [alice] }));
    expect(view.availability('mfa')).toEqual({ usable: false, reasons: ['no configured connector collects mfa'] });
    expect(view.availability('account')).toEqual({ usable: true, reasons: [] });
  });

  it('checks every stream of the kind, and field-only failures only block rules reading that field', () => {
    const outcomes = [
      createOutcome({ entity: 'account', stream: 'users', status: 'partial', failures: [{ kind: 'unlicensed', detail: 'sign-in activity needs Entra ID P1', field: 'signIn', needs: 'Entra ID P1' }] }),
      createOutcome({ entity: 'account', stream: 'users', instance: 'm365-eu' }),
    ];
    const view = buildSnapshotView(createSnapshot({ outcomes }));
    expect(view.availability('account').usable).toBe(true);
    expect(view.availability('account', ['signIn'])).toEqual({
      usable: false,
      reasons: ['m365-main/users is partial: unlicensed: sign-in activity needs Entra ID P1 (needs Entra ID P1)'],
    });
  });

  it('gives sorted, deduplicated page hashes of the streams of a kind', () => {
    const outcomes = [createOutcome({ entity: 'account', stream: 'users' }), createOutcome({ entity: 'account', stream: 'guests' }), createOutcome({ entity: 'mfa' })];
    const pageHashes = { 'm365-main/users': ['c', 'a', 'c'], 'm365-main/guests': ['b', 'a'], 'm365-main/mfa': ['z'] };
    const view = buildSnapshotView(createSnapshot({ outcomes, pageHashes }));
    expect(view.evidenceFor('account')).toEqual(['a', 'b', 'c']);
    expect(view.evidenceFor('app')).toEqual([]);
    expect(buildSnapshotView(createSnapshot({ entities: [alice] })).evidenceFor('account')).toEqual([fakePageHash('m365-main/account')]);
  });

  it('classifies accounts with the org lists and the run time', () => {
    const future = createAccount({ username: 'new@contoso.com', hireDate: '2025-04-01T00:00:00Z' });
    const bg = createAccount({ username: 'bg@contoso.com' });
    const view = buildSnapshotView(createSnapshot({ entities: [future, bg], run: { startedAt: TEST_AS_OF } }), { accounts: { breakGlass: ['BG@contoso.com'] } });
    expect(view.accountClass(future).class).toBe('future_hire');
    expect(view.accountClass(bg).class).toBe('break_glass');
    const later = buildSnapshotView(createSnapshot({ entities: [future], run: { startedAt: '2025-05-01T00:00:00Z' } }));
    expect(later.accountClass(future).class).toBe('human');
  });

  describe('people', () => {
    const gws = { org: 'contoso', connector: 'google-workspace', instance: 'gws-main' };
    const m365Ann = createAccount({ username: 'ann@contoso.onmicrosoft.com', key: 'obj-ann' });
    const gwsAnn = createAccount({ username: 'ann@contoso.com', key: 'g-ann', source: gws });
    const svc = createAccount({ username: 'svc-scan@contoso.com', key: 'obj-svc' });
    const hr = createPerson({ email: 'ann@contoso.com' });

    it('links accounts to HR people with the identity config, and lists the rest', () => {
      const view = buildSnapshotView(createSnapshot({ entities: [m365Ann, gwsAnn, svc, hr] }), {
        identity: { domainAliases: { 'contoso.onmicrosoft.com': 'contoso.com' }, mappings: [] },
      });
      expect(view.people().map((p) => [p.id, p.accounts.map((l) => l.account.key)])).toEqual([['employee:1042', ['g-ann', 'obj-ann']]]);
      expect(view.personOf(m365Ann)?.id).toBe('employee:1042');
      expect(view.personOf(svc)).toBeUndefined();
      expect(view.unmatchedAccounts()).toEqual([{ account: svc, why: expect.stringMatching(/^service account, not linked to a person: name starts with svc-/) }]);
    });

    it('without aliases keeps the onmicrosoft.com account a person of its own', () => {
      const view = buildSnapshotView(createSnapshot({ entities: [m365Ann, gwsAnn, hr] }));
      expect(view.people().map((p) => p.id)).toEqual(['email:ann@contoso.onmicrosoft.com', 'employee:1042']);
    });

    it('passes mappings to the classifier, so a mapped svc- account is a person', () => {
      const view = buildSnapshotView(createSnapshot({ entities: [svc, hr] }), { identity: { mappings: [{ account: 'm365-main/svc-scan@contoso.com', person: 'ann@contoso.com' }] } });
      expect(view.accountClass(svc).class).toBe('human');
      expect(view.personOf(svc)?.id).toBe('employee:1042');
    });

    it('computes the correlation once per view', () => {
      const view = buildSnapshotView(createSnapshot({ entities: [m365Ann, hr] }));
      expect(view.people()).toBe(view.people());
      expect(view.unmatchedAccounts()).toBe(view.unmatchedAccounts());
    });
  });
});
