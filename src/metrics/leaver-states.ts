import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import type { InventoryOf, LeaverRow } from '../inventory/inventory-schema.ts';
import { createHoldings } from '../../rules/leaver-holdings.ts';
import type { LeaverAccess, LeaverObservation } from './types.ts';

/**
 * What one run shows of every leaver with a leave date: whether any access remains. Leavers and
 * access are what leaver-access and the leavers inventory (inventory/leavers.ts) use: people whose
 * status is `terminated`, and the holdings of leaver-holdings.ts (an enabled account or an active
 * access key is access; unreadable key streams leave it `unknown`, never "gone"). A leaver with no
 * linked account is `unknown`: a failed identity link looks the same, so it proves no removal.
 * Used for runs whose evaluation has no stored inventories (`observeStoredLeavers` otherwise);
 * both give the same observation for the same run.
 */
export function observeLeavers(view: SnapshotView): LeaverObservation {
  const holdingsOf = createHoldings(view);
  const people: LeaverObservation['people'] = [];
  for (const person of view.people()) {
    if (person.status !== 'terminated' || person.leftAt === null) continue;
    let access: LeaverAccess = person.accounts.length === 0 ? 'unknown' : 'none';
    for (const { account } of person.accounts) {
      const h = holdingsOf(account, person.leftAt);
      if (h.access.length > 0) {
        access = 'some';
        break;
      }
      if (h.unknown.length > 0) access = 'unknown';
    }
    people.push({ id: person.id, name: person.displayName, leftAt: person.leftAt, access });
  }
  return { runId: view.runId, startedAt: view.asOf.toISOString(), people };
}

/** How one leavers-inventory row reads as access; a person's access is the strongest of their rows. */
const ACCESS_OF: Record<LeaverRow['removal'], LeaverAccess> = { still_enabled: 'some', unknown: 'unknown', removed: 'none', no_linked_account: 'unknown' };
const STRENGTH: Record<LeaverAccess, number> = { none: 0, unknown: 1, some: 2 };

/**
 * The same observation from the leavers inventory stored with the run's evaluation (no snapshot
 * needed). Its rows are judged by the same holdings (inventory/leavers.ts), one row per linked
 * account, so a person's access is `some` when any row still gives access, else `unknown` when any
 * row cannot rule it out, else `none`.
 *
 * Fail closed: an inventory marked incomplete (a stream it rests on missing, failed or partial)
 * cannot show that access is gone, so its `none` reads as `unknown` (the run closes no case);
 * access it did see still counts as seen.
 */
export function observeStoredLeavers(leavers: InventoryOf<'leavers'>, run: { runId: number; startedAt: string }): LeaverObservation {
  const people = new Map<string, LeaverObservation['people'][number]>();
  for (const row of leavers.rows) {
    if (row.leftAt === null) continue;
    const access = ACCESS_OF[row.removal];
    const seen = people.get(row.personId);
    if (!seen) people.set(row.personId, { id: row.personId, name: row.personName, leftAt: row.leftAt, access });
    else if (STRENGTH[access] > STRENGTH[seen.access]) seen.access = access;
  }
  if (!leavers.availability.complete) for (const p of people.values()) if (p.access === 'none') p.access = 'unknown';
  return { runId: run.runId, startedAt: run.startedAt, people: [...people.values()] };
}
