import type { Database } from 'better-sqlite3';
import type { EvaluationRecord } from '../evidence-store.ts';
import { storedResultsJson } from './json-blobs.ts';
import { parseStored, ruleResults } from './validate.ts';

interface Row {
  id: number;
  run_id: number;
  evaluated_at: string;
  params_digest: string;
  results_hash: string;
  results_json: string;
}

/** Every evaluation of a run, oldest first: a run judged again later keeps its first verdict visible. */
export function listEvaluations(db: Database, runId: number): EvaluationRecord[] {
  return db
    .prepare<[number], Row>('SELECT id, run_id, evaluated_at, params_digest, results_hash, results_json FROM evaluations WHERE run_id = ? ORDER BY id')
    .all(runId)
    .map((row) => ({
      id: row.id,
      runId: row.run_id,
      evaluatedAt: row.evaluated_at,
      paramsDigest: row.params_digest,
      resultsHash: row.results_hash,
      // Inline before 008-content-dedup.sql, per-rule content rows after it.
      results: parseStored(ruleResults, storedResultsJson(db, row.id, row.results_json), `Run ${runId}: the stored results of evaluation ${row.id}`),
    }));
}
