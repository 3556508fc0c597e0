import type { Account } from '../core/model.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { ownerLabel } from '../../rules/cloud-account.ts';
import { createAccountFacts } from './account-facts.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';
import type { AccountFacts } from './account-facts.ts';
import { availabilityOf } from './inventory-availability.ts';
import type { AccountRow, InventoryOf } from './inventory-schema.ts';

/**
 * A.5.16: each person's accounts across systems (correlation from src/identity, with why each link
 * was made), then every account linked to no one with why. Every collected account appears exactly
 * once. Sorted by person (unmatched last), then instance and key.
 */
export function buildAccounts(view: SnapshotView, facts: AccountFacts = createAccountFacts(view)): InventoryOf<'accounts'> {
  const rows: AccountRow[] = [];
  const seen = new Set<Account>();
  for (const person of view.people()) {
    for (const { account, why } of [...person.accounts].sort((a, b) => cmp(a.account.source.instance, b.account.source.instance) || cmp(a.account.key, b.account.key))) {
      seen.add(account);
      rows.push(rowOf(view, facts, account, { personId: person.id, personName: person.displayName, link: why, matched: true }));
    }
  }
  const unmatched: AccountRow[] = [];
  for (const { account, why } of view.unmatchedAccounts()) {
    seen.add(account);
    unmatched.push(rowOf(view, facts, account, { personId: null, personName: null, link: why, matched: false }));
  }
  // Correlation lists every account as linked or unmatched; should one ever slip through, it is
  // still inventoried rather than dropped.
  for (const account of view.entities('account')) {
    if (!seen.has(account)) unmatched.push(rowOf(view, facts, account, { personId: null, personName: null, link: 'not linked to a person (no correlation decision recorded)', matched: false }));
  }
  unmatched.sort((a, b) => cmp(a.instance, b.instance) || cmp(a.key, b.key));
  const availability = availabilityOf(view, [
    { entity: 'account', fields: ['enabled', 'email', 'employeeId'] },
    { entity: 'person', fields: ['status', 'leaveDate', 'email', 'employeeId'], optional: true },
    { entity: 'mfa', fields: ['registered'], optional: true },
  ]);
  return { availability, rows: [...rows, ...unmatched] };
}

function rowOf(view: SnapshotView, facts: AccountFacts, account: Account, link: Pick<AccountRow, 'personId' | 'personName' | 'link' | 'matched'>): AccountRow {
  const cls = view.accountClass(account);
  const signIn = facts.lastSignIn(account);
  return {
    instance: account.source.instance,
    key: account.key,
    username: ownerLabel(account),
    displayName: account.displayName,
    connector: account.source.connector,
    ...link,
    enabled: account.enabled,
    accountClass: cls.class,
    classWhy: cls.why,
    lastSignIn: signIn.at,
    signInKnown: signIn.known,
    mfa: facts.mfa(account).state,
  };
}
