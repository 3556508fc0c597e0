import type { AiCatalog } from './catalog-schema.ts';
import { readAiCatalog } from './read-ai-catalog.ts';

/**
 * The built-in catalog (`config/ai-apps.yaml`), read once when this module loads so the shadow-ai
 * rule can default its `catalog` parameter to it and stay pure: the catalog then travels in the
 * rule's params, is stored with every result and is covered by the params digest, so a catalog
 * change shows up as a changed digest when a run is re-evaluated. Not a rule module (it reads a file).
 */
export const DEFAULT_AI_CATALOG: AiCatalog = readAiCatalog();
