import type { RuleResult } from '../core/rule.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import type { InventoryOf } from '../inventory/inventory-schema.ts';
import { shadowAi, shadowAiParams } from '../../rules/shadow-ai.ts';
import type { ShadowAiParams } from '../../rules/shadow-ai.ts';
import { mergeAiCatalogs } from '../../rules/ai-catalog/catalog-list.ts';
import { createAiAppMatcher } from '../../rules/ai-catalog/match-app.ts';
import { readApprovedRegister } from '../../rules/ai-catalog/approved-register.ts';
import type { ApprovedRegister } from '../../rules/ai-catalog/approved-register.ts';
import { unapprovedApps } from './run-point.ts';
import type { AiOwnership } from './types.ts';

/**
 * Share of AI apps in use that are approved AND have a named owner, for one run.
 *
 * Stored results list only unapproved apps, so the apps in use come from elsewhere: the run's
 * stored apps inventory (`aiOwnershipFromApps`), or, for an evaluation stored before inventories
 * existed, re-running the real shadow-ai rule on the run's snapshot (`aiOwnershipOf`). Approved in
 * use = in use − unapproved (from the stored result); the owner comes from the stored
 * `approvedApps`. Null when the stored result was not evaluable (the apps in use are not all known).
 */

/**
 * From the snapshot: shadow-ai re-run with the params stored in its result (the catalog that
 * judged it) but an empty register, so every AI app in use fails, named exactly as the rule names it.
 */
export function aiOwnershipOf(view: SnapshotView, stored: RuleResult, judged: ShadowAiJudge = readShadowAiParams): AiOwnership | null {
  if (stored.status === 'not_evaluable') return null;
  const ctx = judged(stored);
  const all = shadowAi.evaluate(view, { ...ctx.params, approvedApps: [] });
  return ownership(new Set(unapprovedApps({ ...stored, subjects: all.subjects }).map((a) => a.ref)), stored, ctx);
}

/**
 * From the apps inventory stored with the same evaluation. Its rows carry shadow-ai's own catalog
 * match (`aiCatalogId`, built with the catalog in the stored params, inventory/app-options.ts) and
 * the app's first-party flag, so "in use" is what the rule counts: every catalog AI app holding a
 * grant, less first-party AI unless the params say `firstPartyAi: judge`. The caller makes an
 * incomplete inventory a gap; this reads only the rows.
 */
export function aiOwnershipFromApps(apps: InventoryOf<'apps'>, stored: RuleResult, judged: ShadowAiJudge = readShadowAiParams): AiOwnership | null {
  if (stored.status === 'not_evaluable') return null;
  const ctx = judged(stored);
  const params = ctx.params;
  const inUse = new Set<string>();
  for (const row of apps.rows) {
    if (row.aiCatalogId === null || (row.firstParty === true && params.firstPartyAi === 'exclude')) continue;
    inUse.add(`ai-app:${row.aiCatalogId}`);
  }
  return ownership(inUse, stored, ctx);
}

/** A stored shadow-ai result's params, parsed, and the register read with its catalog. */
export interface ShadowAiParamsRead {
  params: ShadowAiParams;
  register: ApprovedRegister;
}
export type ShadowAiJudge = (stored: RuleResult) => ShadowAiParamsRead;

export function readShadowAiParams(stored: RuleResult): ShadowAiParamsRead {
  const params = shadowAiParams.parse(stored.params);
  const catalog = mergeAiCatalogs(params.catalog, params.extraApps);
  return { params, register: readApprovedRegister(params.approvedApps, catalog, createAiAppMatcher(catalog)) };
}

/**
 * `readShadowAiParams` remembered by the params' exact text: parsing the catalog and building its
 * matcher takes ~4 ms, and a year of runs usually shares one set of params. One per report.
 */
export function createShadowAiParamsCache(): ShadowAiJudge {
  const seen = new Map<string, ShadowAiParamsRead>();
  return (stored) => {
    const text = JSON.stringify(stored.params);
    let read = seen.get(text);
    if (!read) seen.set(text, (read = readShadowAiParams(stored)));
    return read;
  };
}

function ownership(inUse: ReadonlySet<string>, stored: RuleResult, { register }: ShadowAiParamsRead): AiOwnership {
  const unapproved = new Set(unapprovedApps(stored).map((a) => a.ref));
  let approvedWithOwner = 0;
  for (const ref of inUse) {
    if (unapproved.has(ref)) continue;
    // An app approved by a register item the catalog cannot resolve has no owner we can point to.
    const owner = register.forCatalogId(ref.slice('ai-app:'.length))?.item.owner?.trim() ?? '';
    if (owner !== '') approvedWithOwner += 1;
  }
  return { inUse: inUse.size, approvedWithOwner, share: inUse.size === 0 ? null : approvedWithOwner / inUse.size };
}
