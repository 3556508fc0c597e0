import type { ResultException } from '../core/rule.ts';
import { INVENTORY_KINDS, inventoryCsvFiles, type InventoryFile, type RunInventories } from '../inventory/index.ts';
import { csvText } from '../report/csv-text.ts';


export interface PopulationInput {
  /** Exceptions listed by the last evaluated run of the period (every configured one, in force or expired). */
  exceptions: readonly ResultException[];
  /**
   * The inventories stored with the period's last evaluation (`EvidenceStore.loadInventories`); null
   * when the period has no evaluation or it was stored before inventories were kept.
   */
  inventories: RunInventories | null;
}

/**
 * The population files of the period's last evaluated run, all added by this one function so more
 * lists (accounts per system and person, privileged access, app grants, leavers) can join here
 * from the stored inventories without touching the package writer.
 */
export function populationFiles(input: PopulationInput): InventoryFile[] {
  const inventories = input.inventories ? inventoryCsvFiles(input.inventories) : [missingInventoriesCsv()];
  return [exceptionsCsv(input.exceptions), ...inventories];
}

/**
 * Without stored inventories the package still says so in the file an auditor looks for, instead
 * of leaving the population lists out silently (fail closed: absent is not empty).
 */
function missingInventoriesCsv(): InventoryFile {
  const why = 'not stored: the period has no evaluation with inventories (evaluated before they were kept); run `evidentia evaluate` on its last run';
  return {
    name: 'inventory-status.csv',
    content: csvText(['inventory', 'org', 'run_id', 'as_of', 'rows', 'complete', 'reasons'], INVENTORY_KINDS.map((k) => [k, null, null, null, null, false, why])),
  };
}

export function exceptionsCsv(exceptions: readonly ResultException[]): InventoryFile {
  const rows = exceptions.map((e) => [e.rule, e.subject, e.reason, e.approvedBy, e.expires, e.status, e.matched]);
  return { name: 'exceptions.csv', content: csvText(['rule', 'subject', 'reason', 'approver', 'expires', 'status', 'failing_subjects_covered'], rows) };
}
