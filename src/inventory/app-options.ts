import type { ApprovedAppConfig } from '../core/config.ts';
import type { RuleParamsMap } from '../evaluate/run-rules.ts';
import { aiCatalogList, mergeAiCatalogs } from '../../rules/ai-catalog/catalog-list.ts';
import { DEFAULT_AI_CATALOG } from '../../rules/ai-catalog/default-catalog.ts';
import type { AppInventoryOptions } from './app-grants.ts';

/**
 * The catalog and register the app inventory uses: exactly those shadow-ai judged with (its
 * resolved params: `catalog` merged with `extraApps`, and the org's `approvedApps`), so the
 * inventory's "AI app" and "approved" columns match the rule's results. Without shadow-ai among the
 * rules, the built-in catalog and the org's register.
 */
export function appInventoryOptions(params: RuleParamsMap, approvedApps: readonly ApprovedAppConfig[]): AppInventoryOptions {
  const p = params['shadow-ai'];
  if (!p) return { catalog: DEFAULT_AI_CATALOG, approvedApps };
  // Already validated by the rule's params schema; parsed again only to get typed values back.
  const catalog = aiCatalogList.parse(p['catalog'] ?? DEFAULT_AI_CATALOG);
  const extra = aiCatalogList.parse(p['extraApps'] ?? []);
  return { catalog: mergeAiCatalogs(catalog, extra), approvedApps };
}
