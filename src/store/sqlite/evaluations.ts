import type { Database } from 'better-sqlite3';
import { canonicalJson } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';
import type { EvaluationInput, EvaluationRecord, RunRecord } from '../evidence-store.ts';
import { evaluationMeta, parseInput } from './inputs.ts';
import { insertInventories } from './inventories.ts';
import { storedResultsJson, storeEvaluationResults } from './json-blobs.ts';
import { resultsHashOfResultJsons } from './results-hash.ts';
import { describeRun, isSealedStatus, RUN_SELECT, SEALED_SQL, toRunRecord } from './rows.ts';
import type { RunRow } from './rows.ts';
import type { RunReader } from './run-reader.ts';
import { parseStored, ruleResults, validateResults } from './validate.ts';

export interface EvaluationRow {
  id: number;
  run_id: number;
  evaluated_at: string;
  params_digest: string;
  results_json: string;
  results_hash: string;
}

/**
 * Only sealed runs are judged: results must point at evidence that can no longer change, and an
 * interrupted run is not evidence at all. The hash binds the results to the run's manifest hash.
 */
export function recordEvaluation(db: Database, reader: RunReader, runId: number, input: EvaluationInput): EvaluationRecord {
  const meta = parseInput(evaluationMeta, input, `evaluation of run ${runId}`);
  const results = validateResults(input.results, runId);
  // One text per rule, stored once by content: an unchanged rule's result is not stored again.
  const resultJsons = results.map((r) => canonicalJson(r));
  return db.transaction(() => {
    const run = reader.requireHeader(runId);
    if (!isSealedStatus(run.status) || run.manifest_hash === null) {
      const why =
        run.status === 'running'
          ? 'it is still running; evaluate it once it is finished and sealed'
          : 'it was interrupted, so it is not evidence; run a new collection (`evidentia collect`) and evaluate that';
      throw new AgentError('store_failed', `Cannot record an evaluation of ${describeRun(run)}: ${why}.`);
    }
    const hash = resultsHashOfResultJsons({ runManifestHash: run.manifest_hash, evaluatedAt: meta.evaluatedAt, paramsDigest: meta.paramsDigest, resultJsons });
    // '' = the results are in evaluation_results (008-content-dedup.sql); older rows hold them inline.
    const { lastInsertRowid } = db
      .prepare(`INSERT INTO evaluations (run_id, evaluated_at, params_digest, results_json, results_hash) VALUES (?, ?, ?, '', ?)`)
      .run(runId, meta.evaluatedAt, meta.paramsDigest, hash);
    storeEvaluationResults(db, Number(lastInsertRowid), resultJsons);
    if (input.inventories) insertInventories(db, { id: Number(lastInsertRowid), runId, org: run.org, resultsHash: hash }, input.inventories);
    return { id: Number(lastInsertRowid), runId, evaluatedAt: meta.evaluatedAt, paramsDigest: meta.paramsDigest, resultsHash: hash, results };
  }).immediate();
}

/** The newest evaluation of a run, or null (also for an unknown run). */
export function latestEvaluation(db: Database, runId: number): EvaluationRecord | null {
  const row = db.prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId);
  return row ? toEvaluationRecord(db, row) : null;
}

/** A stored evaluation row as a record; its results are inline (before 008-content-dedup.sql) or per-rule content rows. */
export function toEvaluationRecord(db: Database, row: EvaluationRow): EvaluationRecord {
  return {
    id: row.id,
    runId: row.run_id,
    evaluatedAt: row.evaluated_at,
    paramsDigest: row.params_digest,
    resultsHash: row.results_hash,
    results: parseStored(ruleResults, storedResultsJson(db, row.id, row.results_json), `Run ${row.run_id}: the stored results of evaluation ${row.id}`),
  };
}

/** Newest (by run id) sealed run with at least one evaluation; running and interrupted runs never count. */
export function latestEvaluatedRun(db: Database, org?: string): RunRecord | null {
  const byOrg = org === undefined ? '' : ' AND r.org = ?';
  const row = db
    .prepare<string[], RunRow>(
      `${RUN_SELECT} WHERE r.status IN ${SEALED_SQL} AND r.manifest_hash IS NOT NULL
         AND EXISTS (SELECT 1 FROM evaluations e WHERE e.run_id = r.id)${byOrg}
       ORDER BY r.id DESC LIMIT 1`,
    )
    .get(...(org === undefined ? [] : [org]));
  return row ? toRunRecord(row) : null;
}
