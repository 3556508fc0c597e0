import type { PersonView, SnapshotView } from '../evaluate/snapshot-view.ts';
import { ownerLabel } from '../../rules/cloud-account.ts';
import { createHoldings } from '../../rules/leaver-holdings.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';
import { availabilityOf } from './inventory-availability.ts';
import type { InventoryOf, LeaverRow } from './inventory-schema.ts';

const HOUR_MS = 3_600_000;

/**
 * A.6.5, A.5.18: each person who left (status `terminated`, as leaver-access reads it), with
 * every linked account and what it still gives: access is judged by leaver-access's own holdings
 * (rules/leaver-holdings.ts), so the inventory and the rule agree. Hours are whole hours from
 * leaving to the run, rounded down as the rule does. One run cannot show WHEN an account was
 * disabled, so a removed account's hours are an upper bound, a remaining one's a lower bound.
 */
export function buildLeavers(view: SnapshotView): InventoryOf<'leavers'> {
  const holdingsOf = createHoldings(view);
  const keys = countBy(view.entities('access_key').filter((k) => k.active), (k) => `${k.source.instance}\u0000${k.accountKey}`);
  const grants = countBy(view.entities('app_grant').filter((g) => g.principalKey !== null), (g) => `${g.source.instance}\u0000${g.principalKey}`);
  const rows: LeaverRow[] = [];
  for (const person of view.people()) {
    if (person.status !== 'terminated') continue;
    const hours = person.leftAt === null ? null : Math.floor((view.asOf.getTime() - Date.parse(person.leftAt)) / HOUR_MS);
    const base = {
      personId: person.id,
      personName: person.displayName,
      leftAt: person.leftAt,
      leaveSource: person.leaveDates[0]?.source ?? null,
      hoursSinceLeaving: hours,
    };
    if (person.accounts.length === 0) {
      // Not "removed": a failed identity link looks exactly like this, and an unlinked account that
      // is still enabled would then read as removed access (the accounts inventory lists unmatched ones).
      rows.push({ ...base, ...hrRef(person), username: null, enabled: null, access: [], unknown: [], activeKeys: 0, grants: 0, removal: 'no_linked_account', hoursToRemoval: null });
      continue;
    }
    for (const { account } of person.accounts) {
      const h = holdingsOf(account, person.leftAt);
      const id = `${account.source.instance}\u0000${account.key}`;
      const removal: LeaverRow['removal'] = h.access.length > 0 ? 'still_enabled' : h.unknown.length > 0 ? 'unknown' : 'removed';
      rows.push({
        ...base,
        instance: account.source.instance,
        key: account.key,
        // AWS usernames repeat across the accounts one instance covers: ownerLabel names the AWS account too.
        username: ownerLabel(account),
        enabled: account.enabled,
        access: h.access,
        unknown: h.unknown,
        activeKeys: keys.get(id) ?? 0,
        grants: grants.get(id) ?? 0,
        removal,
        // Before the leave date nothing is overdue yet: no bound either way.
        hoursToRemoval: removal === 'unknown' ? null : upperBound(hours),
      });
    }
  }
  rows.sort((a, b) => cmp(a.personName, b.personName) || cmp(a.personId, b.personId) || cmp(a.instance, b.instance) || cmp(a.key, b.key));
  const hasHr = view.outcomes.some((o) => o.entity === 'person');
  const reasons: string[] = [];
  if (!hasHr && !view.entities('account').some((a) => a.leaveDate !== null)) {
    reasons.push('no HR source or leave dates configured: nothing says who left (add an hr-csv or bamboohr source, or set employeeLeaveDateTime in Entra)');
  }
  const availability = availabilityOf(
    view,
    [
      hasHr ? { entity: 'person', fields: ['status', 'leaveDate'] } : { entity: 'account', fields: ['leaveDate'] },
      { entity: 'account', fields: ['enabled'] },
      { entity: 'access_key', fields: ['active', 'lastUsedAt'], optional: true },
      { entity: 'app_grant', fields: ['principalKey'], optional: true },
    ],
    reasons,
  );
  return { availability, rows };
}

/** The hours since leaving as a bound on the time to removal (null before the leave date or without one). */
function upperBound(hours: number | null): number | null {
  return hours === null || hours < 0 ? null : hours;
}

function hrRef(person: PersonView): { instance: string; key: string } {
  const hr = person.hrRecords[0];
  return hr ? { instance: hr.source.instance, key: hr.key } : { instance: '', key: person.id };
}

function countBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(keyOf(item), (out.get(keyOf(item)) ?? 0) + 1);
  return out;
}
