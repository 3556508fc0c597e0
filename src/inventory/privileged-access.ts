import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { ownerLabel } from '../../rules/cloud-account.ts';
import { createAccountFacts } from './account-facts.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';
import type { AccountFacts } from './account-facts.ts';
import { availabilityOf } from './inventory-availability.ts';
import type { InventoryOf, PrivilegedAccessRow } from './inventory-schema.ts';

/**
 * A.8.2: every privileged role assignment per system, active and eligible (an eligible admin can
 * activate the role at any moment), with who holds it. Privileged means what the connector marked
 * (`privileged`, with its reason: the same detection admin-mfa and privileged-count use).
 *
 * A role held by a group is listed as the group: members are not collected, and the availability
 * says so, because the list of people who hold the role is then not complete.
 */
export function buildPrivilegedAccess(view: SnapshotView, facts: AccountFacts = createAccountFacts(view)): InventoryOf<'privileged-access'> {
  const rows: PrivilegedAccessRow[] = [];
  const groups: string[] = [];
  for (const a of view.entities('role_assignment')) {
    if (!a.privileged) continue;
    const instance = a.source.instance;
    const account = a.principalType === 'user' || a.principalType === 'unknown' ? view.find('account', instance, a.principalKey) : undefined;
    if (a.principalType === 'group') groups.push(`${a.roleName || a.roleId} in ${instance} is assigned to group ${a.principalName ?? a.principalKey}, whose members are not collected`);
    const person = account ? view.personOf(account) : undefined;
    const mfa = account ? facts.mfa(account) : { state: 'unknown' as const, methods: [] };
    rows.push({
      instance,
      key: a.key,
      roleName: a.roleName || a.roleId,
      roleId: a.roleId,
      privilegeReason: a.privilegeReason,
      assignment: a.assignment,
      scope: a.scope,
      principalType: a.principalType,
      principalKey: a.principalKey,
      principal: account ? ownerLabel(account) : (a.principalName ?? a.principalKey),
      accountKey: account?.key ?? null,
      accountClass: account ? view.accountClass(account).class : null,
      enabled: account?.enabled ?? null,
      personId: person?.id ?? null,
      personName: person?.displayName ?? null,
      mfa: mfa.state,
      mfaMethods: mfa.methods,
      since: account?.createdAt ?? null,
      sinceSource: account?.createdAt ? 'account_created' : 'unknown',
    });
  }
  rows.sort((x, y) => cmp(x.instance, y.instance) || cmp(x.roleName, y.roleName) || cmp(x.principal, y.principal) || cmp(x.key, y.key));
  const availability = availabilityOf(
    view,
    [{ entity: 'role_assignment' }, { entity: 'account', fields: ['enabled'] }, { entity: 'mfa', fields: ['registered'], optional: true }],
    [...new Set(groups)].sort(cmp),
  );
  return { availability, rows };
}
