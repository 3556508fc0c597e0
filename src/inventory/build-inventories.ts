import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { createAccountFacts } from './account-facts.ts';
import { buildAccounts } from './accounts.ts';
import { buildAppGrants } from './app-grants.ts';
import type { AppInventoryOptions } from './app-grants.ts';
import type { RunInventories } from './inventory-schema.ts';
import { buildLeavers } from './leavers.ts';
import { buildPrivilegedAccess } from './privileged-access.ts';
import { buildReviewPopulation } from './review-population.ts';

/** Every inventory of one run, from its snapshot view alone (pure: no I/O, no clock). */
export function buildInventories(view: SnapshotView, apps: AppInventoryOptions): RunInventories {
  const facts = createAccountFacts(view);
  return {
    org: view.org,
    runId: view.runId,
    asOf: view.asOf.toISOString(),
    'privileged-access': buildPrivilegedAccess(view, facts),
    apps: buildAppGrants(view, apps),
    accounts: buildAccounts(view, facts),
    'review-population': buildReviewPopulation(view, facts),
    leavers: buildLeavers(view),
  };
}
