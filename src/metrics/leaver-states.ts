import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { createHoldings } from '../../rules/leaver-holdings.ts';
import type { LeaverAccess, LeaverObservation } from './types.ts';

/**
 * What one run shows of every person with a leave date: whether any access remains. Access is
 * judged exactly as leaver-access judges it (leaver-holdings.ts): an enabled account or an active
 * access key is access; unreadable key streams leave it `unknown`, never "gone".
 */
export function observeLeavers(view: SnapshotView): LeaverObservation {
  const holdingsOf = createHoldings(view);
  const people: LeaverObservation['people'] = [];
  for (const person of view.people()) {
    if (person.leftAt === null) continue;
    let access: LeaverAccess = 'none';
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
