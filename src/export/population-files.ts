import type { ResultException } from '../core/rule.ts';
import { csvText } from './csv-text.ts';

/** A population list an auditor samples from, added to the package as is. */
export interface PopulationFile {
  name: string;
  content: string;
}

export interface PopulationInput {
  /** Exceptions listed by the last evaluated run of the period (every configured one, in force or expired). */
  exceptions: readonly ResultException[];
  /**
   * The last evaluated run's evaluation (null when the period has none): stored inventories are
   * read by it (`EvidenceStore.loadInventories(evaluationId)`) once that store method exists.
   */
  evaluationId: number | null;
}

/**
 * The population files of the period's last evaluated run, all added by this one function so more
 * lists (accounts per system and person, privileged access, app grants, leavers) can join here
 * from the stored inventories without touching the package writer.
 */
export function populationFiles(input: PopulationInput): PopulationFile[] {
  return [exceptionsCsv(input.exceptions)];
}

export function exceptionsCsv(exceptions: readonly ResultException[]): PopulationFile {
  const rows = exceptions.map((e) => [e.rule, e.subject, e.reason, e.approvedBy, e.expires, e.status, e.matched]);
  return { name: 'exceptions.csv', content: csvText(['rule', 'subject', 'reason', 'approver', 'expires', 'status', 'failing_subjects_covered'], rows) };
}
