import type { Database } from 'better-sqlite3';
import type { EvaluationRecord } from '../evidence-store.ts';
import { toEvaluationRecord, type EvaluationRow } from './evaluations.ts';

/** Every evaluation of a run, oldest first: a run judged again later keeps its first verdict visible. */
export function listEvaluations(db: Database, runId: number): EvaluationRecord[] {
  return db
    .prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((row) => toEvaluationRecord(db, row));
}
