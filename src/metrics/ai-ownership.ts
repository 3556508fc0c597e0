import type { RuleResult } from '../core/rule.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { shadowAi, shadowAiParams } from '../../rules/shadow-ai.ts';
import { mergeAiCatalogs } from '../../rules/ai-catalog/catalog-list.ts';
import { createAiAppMatcher } from '../../rules/ai-catalog/match-app.ts';
import { readApprovedRegister } from '../../rules/ai-catalog/approved-register.ts';
import { unapprovedApps } from './run-point.ts';
import type { AiOwnership } from './types.ts';

/**
 * Share of AI apps in use that are approved AND have a named owner, for one run.
 *
 * Stored results list only unapproved apps, so the apps in use are found by re-running the real
 * shadow-ai rule on the run's snapshot with the params stored in its result (the catalog that
 * judged it) but an empty register: every AI app in use then fails, named exactly as the rule names
 * it. Approved in use = in use − unapproved (from the stored result); the owner comes from the stored
 * `approvedApps`. Null when the stored result was not evaluable (the apps in use are not all known).
 */
export function aiOwnershipOf(view: SnapshotView, stored: RuleResult): AiOwnership | null {
  if (stored.status === 'not_evaluable') return null;
  const params = shadowAiParams.parse(stored.params);
  const all = shadowAi.evaluate(view, { ...params, approvedApps: [] });
  const inUse = new Set(unapprovedApps({ ...stored, subjects: all.subjects }).map((a) => a.ref));
  const unapproved = new Set(unapprovedApps(stored).map((a) => a.ref));
  const catalog = mergeAiCatalogs(params.catalog, params.extraApps);
  const register = readApprovedRegister(params.approvedApps, catalog, createAiAppMatcher(catalog));
  let approvedWithOwner = 0;
  for (const ref of inUse) {
    if (unapproved.has(ref)) continue;
    // An app approved by a register item the catalog cannot resolve has no owner we can point to.
    const owner = register.forCatalogId(ref.slice('ai-app:'.length))?.item.owner?.trim() ?? '';
    if (owner !== '') approvedWithOwner += 1;
  }
  return { inUse: inUse.size, approvedWithOwner, share: inUse.size === 0 ? null : approvedWithOwner / inUse.size };
}
