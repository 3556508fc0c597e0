import { describe, expect, it } from 'vitest';
import type { Account, Entity } from '../src/core/model.ts';
import { createAccount, createOutcome, createSnapshot, createSource, evaluateRule, TEST_AS_OF } from '../src/evaluate/test-factories.ts';
import { guestAccounts } from './guest-accounts.ts';

const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) => evaluateRule(guestAccounts, createSnapshot({ entities, streams: ['account'] }), options);

function daysAgo(n: number, hours = 0): string {
  return new Date(Date.parse(TEST_AS_OF) - (n * 24 + hours) * 3600_000).toISOString();
}

/** An enabled guest last signed in `days` ago (`null`: never), invited `created` days ago. */
function guest(name: string, days: number | null, created: number | null = 200, extra: Partial<Account> = {}): Account {
  const at = days === null ? null : daysAgo(days);
  return createAccount({
    key: `id-${name}`,
    username: `${name}_fabrikam.com#EXT#@contoso.onmicrosoft.com`,
    vendorType: 'guest',
    createdAt: created === null ? null : daysAgo(created),
    signIn: { lastSuccessfulAt: at, lastInteractiveAt: at, lastNonInteractiveAt: null },
    attributes: { userType: 'Guest', externalUserState: 'Accepted' },
    ...extra,
  });
}

const member = createAccount({ username: 'ann@contoso.com', signIn: { lastSuccessfulAt: daysAgo(400), lastInteractiveAt: null, lastNonInteractiveAt: null } });

describe('guest-accounts', () => {
  it('passes a guest at exactly the limit and fails one a day over it, ignoring members', () => {
    const atLimit = run([member, createAccount({ ...guest('ok', 0), signIn: { lastSuccessfulAt: daysAgo(90, 23), lastInteractiveAt: null, lastNonInteractiveAt: null } })]);
    expect(atLimit.status).toBe('pass');
    expect(atLimit.subjects).toEqual([]);
    expect(atLimit.summary).toBe("1 enabled guest account checked: it signed in within 90 days or is new (30 days' grace)");

    const over = run([member, guest('vendor', 91), guest('fresh', 2)]);
    expect(over.status).toBe('fail');
    expect(over.measured).toBe(1);
    expect(over.subjects).toEqual([
      { ref: 'id-vendor', label: 'vendor_fabrikam.com#EXT#@contoso.onmicrosoft.com', instance: 'm365-main', status: 'fail', why: 'last successful sign-in 91 days ago (2024-11-30), limit 90' },
    ]);
  });

  it('counts an invitation pending acceptance past the grace period as a never-used guest', () => {
    const pending = (created: number) => guest('invited', null, created, { attributes: { userType: 'Guest', externalUserState: 'PendingAcceptance' } });
    expect(run([pending(30)]).status).toBe('pass');
    const late = run([pending(45)]);
    expect(late.status).toBe('fail');
    expect(late.subjects[0]?.why).toBe('invitation not accepted; sent 45 days ago (grace 30)');
    // An accepted guest who never signed in reads as such.
    expect(run([guest('quiet', null, 45)]).subjects[0]?.why).toBe('never signed in; created 45 days ago (grace 30)');
  });

  it('lists disabled guests as excluded and passes with no enabled guest at all', () => {
    const result = run([member, guest('old', 400, 500, { enabled: false })]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.summary).toBe('no enabled guest accounts to check; excluded 1 account (1 disabled)');
    expect(result.subjects).toEqual([expect.objectContaining({ ref: 'id-old', status: 'excluded', why: expect.stringMatching(/^not checked: disabled guest; disabled in m365-main/) })]);

    const none = run([member, createAccount({ username: 'bob@gws.example', source: createSource({ connector: 'google-workspace', instance: 'gws-main' }) })]);
    expect(none.status).toBe('pass');
    expect(none.breakdown).toEqual([{ scope: 'overall', status: 'pass', measured: 0, summary: 'no enabled guest accounts to check' }]);
  });

  it('leaves a guest listed as a service account to stale-accounts', () => {
    const result = run([guest('svc', 400)], { accounts: { service: ['svc_*'] } });
    expect(result.subjects).toEqual([]);
    expect(result.status).toBe('pass');
  });

  it('is not evaluable, naming the licence, without sign-in data', () => {
    const snapshot = createSnapshot({
      entities: [guest('vendor', 200)],
      outcomes: [createOutcome({ entity: 'account', status: 'partial', failures: [{ kind: 'unlicensed', field: 'signIn', detail: 'no Entra ID P1', needs: 'Microsoft Entra ID P1' }] })],
    });
    const result = evaluateRule(guestAccounts, snapshot);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons[0]).toContain('needs Microsoft Entra ID P1');
  });

  it('uses configured limits', () => {
    const result = run([guest('vendor', 40), guest('new', null, 10)], { params: { days: 30, graceDays: 7 } });
    expect(result.subjects.map((s) => s.why)).toEqual(['never signed in; created 10 days ago (grace 7)', 'last successful sign-in 40 days ago (2025-01-20), limit 30']);
  });
});
