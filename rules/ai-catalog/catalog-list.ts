import { z } from 'zod';
import { aiAppEntry } from './catalog-schema.ts';
import type { AiAppEntry, AiCatalog } from './catalog-schema.ts';
import { createAiAppMatcher } from './match-app.ts';

/**
 * A whole catalog as a list, with the checks that need more than one entry: ids are unique, and
 * every `examples` name is recognised as its own entry (not unrecognised, not taken by an earlier
 * entry). Pure, so the rule's params schema can use it as well as the file loader.
 */

export const aiCatalogList = z.array(aiAppEntry).superRefine(
  (entries, ctx) => {
    for (const issue of catalogProblems(entries)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  },
  // Only once every entry is valid: a broken pattern must be reported as such, not crash the matcher.
  { when: (payload) => payload.issues.length === 0 },
);

export interface CatalogProblem {
  /** Path inside the list: `[3, 'examples', 0]`. */
  path: (string | number)[];
  message: string;
}

export function catalogProblems(entries: readonly AiAppEntry[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const firstIndex = new Map<string, number>();
  entries.forEach((e, i) => {
    const seen = firstIndex.get(e.id);
    if (seen !== undefined) problems.push({ path: [i, 'id'], message: `"${e.id}" is already used by entry ${seen}; ids must be unique (an extra file replaces an entry by reusing its id)` });
    else firstIndex.set(e.id, i);
  });
  if (problems.length > 0) return problems;

  const matcher = createAiAppMatcher(entries);
  entries.forEach((e, i) => {
    e.examples.forEach((name, j) => {
      const hit = matcher.match({ displayName: name });
      if (hit === null) problems.push({ path: [i, 'examples', j], message: `"${name}" is not recognised by this entry's displayNames or displayNamePatterns` });
      else if (hit.entry.id !== e.id) problems.push({ path: [i, 'examples', j], message: `"${name}" is recognised as "${hit.entry.id}" before this entry (${hit.detail})` });
    });
  });
  return problems;
}

/**
 * `extra` entries replace base entries with the same id (in place, so match order stays stable)
 * and new ids are appended: a person's own file can correct a built-in entry or add an app.
 */
export function mergeAiCatalogs(base: AiCatalog, ...extras: AiCatalog[]): AiAppEntry[] {
  const out = [...base];
  for (const extra of extras) {
    for (const entry of extra) {
      const i = out.findIndex((e) => e.id === entry.id);
      if (i >= 0) out[i] = entry;
      else out.push(entry);
    }
  }
  return out;
}
