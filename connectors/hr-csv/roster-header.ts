import type { HrCsvConfig } from './config-schema.ts';

export type ColumnKey = keyof HrCsvConfig['columns'];

/** Columns used when the header has them; every other named column must be there. */
const OPTIONAL: ReadonlySet<ColumnKey> = new Set(['displayName', 'managerEmail']);

export interface RosterHeader {
  /** Position of each configured column found in the header. */
  index: Partial<Record<ColumnKey, number>>;
  /** The header cells as written (trimmed), to name columns in messages. */
  names: string[];
}

/** Finds each configured column in the header row, or says which are missing or ambiguous. */
export function resolveHeader(cells: readonly string[], columns: HrCsvConfig['columns']): { header: RosterHeader } | { error: string } {
  const names = cells.map((c) => c.trim());
  const lower = names.map((c) => c.toLowerCase());
  const index: RosterHeader['index'] = {};
  const missing: string[] = [];
  for (const [key, name] of Object.entries(columns) as [ColumnKey, string | null][]) {
    if (name === null) continue;
    const positions = lower.flatMap((c, i) => (c === name.toLowerCase() ? [i] : []));
    if (positions.length > 1) {
      return { error: `the header has column "${name}" ${positions.length} times (columns ${positions.map((p) => p + 1).join(', ')}); rename one or map columns.${key} to another column` };
    }
    if (positions.length === 1) index[key] = positions[0]!;
    else if (!OPTIONAL.has(key)) missing.push(`"${name}" (columns.${key})`);
  }
  if (missing.length > 0) {
    const found = names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : 'nothing';
    return { error: `the header row has no column ${missing.join(', ')}; it has ${found}. Map the columns in the config or set one to null if the roster does not have it` };
  }
  return { header: { index, names } };
}
