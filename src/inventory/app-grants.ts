import type { ApprovedAppConfig } from '../core/config.ts';
import type { AppGrant } from '../core/model.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { inventoryGrants } from '../../rules/ai-catalog/app-inventory.ts';
import { readApprovedRegister } from '../../rules/ai-catalog/approved-register.ts';
import type { AiCatalog } from '../../rules/ai-catalog/catalog-schema.ts';
import { createAiAppMatcher } from '../../rules/ai-catalog/match-app.ts';
import { scopeReach, severityOf } from '../../rules/ai-catalog/scope-reach.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';
import { availabilityOf } from './inventory-availability.ts';
import type { AppGrantRow, InventoryOf } from './inventory-schema.ts';

export interface AppInventoryOptions {
  /** The AI catalog shadow-ai judged with (its `catalog` merged with `extraApps`). */
  catalog: AiCatalog;
  /** The organisation's approved-apps register. */
  approvedApps: readonly ApprovedAppConfig[];
}

/**
 * A.5.9, A.5.19: every app holding a grant, one row per grant, with whether the AI catalog
 * recognises it, whether the register approves it and who owns it. The grouping of grants into
 * apps, the catalog match and the register look-up are shadow-ai's own (rules/ai-catalog), so the
 * inventory and the rule never disagree on what an app is or whether it is approved.
 *
 * Grants whose app cannot be named (the instance's app stream was not read) are not rows: the
 * availability says how many and why, so the inventory does not look complete.
 */
export function buildAppGrants(view: SnapshotView, opts: AppInventoryOptions): InventoryOf<'apps'> {
  const matcher = createAiAppMatcher(opts.catalog);
  const register = readApprovedRegister(opts.approvedApps, opts.catalog, matcher);
  const inventory = inventoryGrants(view);
  const rows: AppGrantRow[] = [];
  for (const use of inventory.uses) {
    const hit = matcher.match({ app: use.app, grant: use.grants[0] });
    const approval = (hit ? register.forCatalogId(hit.entry.id) : undefined) ?? register.forDisplayName(use.label);
    const tenantWide = use.grants.some(isTenantWide);
    const users = new Set(use.grants.filter((g) => !isTenantWide(g) && g.principalKey !== null).map((g) => g.principalKey));
    for (const g of use.grants) {
      const scopes = g.scopes.map(scopeReach);
      rows.push({
        instance: use.instance,
        key: g.key,
        appKey: use.ref,
        appName: use.label,
        publisher: use.app?.publisher?.name ?? null,
        firstParty: use.app ? use.app.firstParty : null,
        aiCatalogId: hit?.entry.id ?? null,
        approved: approval !== undefined,
        owner: approval?.item.owner ?? null,
        grantType: g.grantType,
        consentType: g.consentType,
        grantedBy: grantedBy(view, g),
        scopes: [...g.scopes],
        reach: [...new Set(scopes.filter((s) => s.level !== 'low').map((s) => s.reach))].sort(cmp),
        severity: severityOf(scopes, isTenantWide(g)),
        appUsers: tenantWide ? null : users.size,
        createdAt: g.createdAt,
      });
    }
  }
  rows.sort((a, b) => cmp(a.instance, b.instance) || cmp(a.appName, b.appName) || cmp(a.appKey, b.appKey) || cmp(a.key, b.key));
  const unresolved = inventory.unresolved.map((u) => `${u.grants} grant${u.grants === 1 ? '' : 's'} in ${u.instance} not listed: the app could not be named (${u.reason})`);
  const availability = availabilityOf(view, [{ entity: 'app_grant', fields: ['appKey', 'consentType', 'scopes', 'principalKey'] }], unresolved);
  return { availability, rows };
}

function isTenantWide(g: AppGrant): boolean {
  return g.consentType === 'all_principals' || g.consentType === 'application' || g.grantType === 'application';
}

function grantedBy(view: SnapshotView, g: AppGrant): string {
  if (g.consentType === 'all_principals') return 'all users (admin consent)';
  if (g.consentType === 'application' || g.grantType === 'application') return 'the app itself (app-only)';
  if (g.principalKey === null) return 'unknown';
  const account = view.find('account', g.source.instance, g.principalKey);
  return account ? account.username : g.principalKey;
}
