import type { Database } from 'better-sqlite3';
import type { EvaluationRecord } from '../evidence-store.ts';
import { AgentError } from '../../core/errors.ts';
import { toEvaluationRecord, type EvaluationRow } from './evaluations.ts';
import { storedResultsJson } from './json-blobs.ts';
import { hashedEvaluationText } from './results-hash.ts';

/** Every evaluation of a run, oldest first: a run judged again later keeps its first verdict visible. */
export function listEvaluations(db: Database, runId: number): EvaluationRecord[] {
  return db
    .prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((row) => toEvaluationRecord(db, row));
}

/** The evaluation exactly as its results hash covers it (see `EvidenceStore.getEvaluationText`). */
export function evaluationText(db: Database, evaluationId: number): string {
  const row = db
    .prepare<[number], EvaluationRow & { manifest_hash: string | null }>('SELECT e.*, r.manifest_hash FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.id = ?')
    .get(evaluationId);
  if (!row) throw new AgentError('not_found', `evaluation ${evaluationId} does not exist; \`evidentia results --json\` shows the stored evaluations`);
  return hashedEvaluationText({ runManifestHash: row.manifest_hash ?? '', evaluatedAt: row.evaluated_at, paramsDigest: row.params_digest, resultsJson: storedResultsJson(db, row.id, row.results_json) });
}
