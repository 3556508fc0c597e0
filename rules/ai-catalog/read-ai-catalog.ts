import { readFileSync } from 'node:fs';
import { AgentError } from '../../src/core/errors.ts';
import type { AiCatalog } from './catalog-schema.ts';
import { mergeAiCatalogs } from './catalog-list.ts';
import { loadAiCatalog } from './load-catalog.ts';

/**
 * The only place the AI app catalog touches the file system (rules do no I/O). Synchronous on
 * purpose: it runs once, before evaluation, and a missing or broken file must stop the run with one
 * clear error rather than reach a rule half-read.
 */

/** `config/ai-apps.yaml` of this checkout: the built-in catalog. */
export const DEFAULT_AI_CATALOG_FILE = new URL('../../config/ai-apps.yaml', import.meta.url);

export interface ReadAiCatalogOptions {
  /** @default DEFAULT_AI_CATALOG_FILE */
  defaultFile?: string | URL;
  /**
   * A person's own catalog files (a bare YAML list of entries, or `apps:`), merged over the default
   * in order: an entry with an existing id replaces it, a new id is appended. @default []
   */
  extraFiles?: readonly (string | URL)[];
}

export function readAiCatalog(options: ReadAiCatalogOptions = {}): AiCatalog {
  const base = readOne(options.defaultFile ?? DEFAULT_AI_CATALOG_FILE);
  const extras = (options.extraFiles ?? []).map(readOne);
  if (extras.length === 0) return base;
  // Re-check the merged list: an extra entry can shadow a built-in example or reuse a name.
  const merged = mergeAiCatalogs(base, ...extras);
  return loadAiCatalog(JSON.stringify({ apps: merged }), 'merged AI app catalog');
}

function readOne(file: string | URL): AiCatalog {
  const name = file instanceof URL ? file.pathname : file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AgentError('config_missing', code === 'ENOENT' ? `AI app catalog ${name} does not exist` : `cannot read AI app catalog ${name} (${code ?? 'error'})`, { cause: e });
  }
  return loadAiCatalog(text, name);
}
