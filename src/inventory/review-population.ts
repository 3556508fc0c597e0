import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { ownerLabel } from '../../rules/cloud-account.ts';
import { createAccountFacts } from './account-facts.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';
import type { AccountFacts } from './account-facts.ts';
import { availabilityOf } from './inventory-availability.ts';
import type { InventoryOf, ReviewPopulationRow } from './inventory-schema.ts';

/**
 * A.5.18: the population an access review (and an auditor's sample) is drawn from: every ENABLED
 * account per system, with its class, whether it holds a privileged role (active or eligible) and
 * its last sign-in. Disabled accounts are not in the population: they give no access to review
 * (a leaver's disabled account with an active key is in the leavers inventory).
 */
export function buildReviewPopulation(view: SnapshotView, facts: AccountFacts = createAccountFacts(view)): InventoryOf<'review-population'> {
  const roles = new Map<string, Set<string>>();
  for (const a of view.entities('role_assignment')) {
    if (!a.privileged) continue;
    const id = `${a.source.instance}\u0000${a.principalKey}`;
    const set = roles.get(id) ?? new Set<string>();
    set.add(`${a.roleName || a.roleId}${a.assignment === 'eligible' ? ' (eligible)' : ''}`);
    roles.set(id, set);
  }
  const rows: ReviewPopulationRow[] = [];
  for (const account of view.entities('account')) {
    if (!account.enabled) continue;
    const held = [...(roles.get(`${account.source.instance}\u0000${account.key}`) ?? [])].sort(cmp);
    const signIn = facts.lastSignIn(account);
    rows.push({
      instance: account.source.instance,
      key: account.key,
      username: ownerLabel(account),
      displayName: account.displayName,
      accountClass: view.accountClass(account).class,
      privileged: held.length > 0,
      roles: held,
      personId: view.personOf(account)?.id ?? null,
      lastSignIn: signIn.at,
      signInKnown: signIn.known,
      createdAt: account.createdAt,
    });
  }
  rows.sort((a, b) => cmp(a.instance, b.instance) || cmp(a.username, b.username) || cmp(a.key, b.key));
  // Without role assignments the privileged flag would read "no" for every admin: incomplete.
  const availability = availabilityOf(view, [
    { entity: 'account', fields: ['enabled', 'signIn'] },
    { entity: 'role_assignment' },
  ]);
  return { availability, rows };
}
