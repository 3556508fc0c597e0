import type { Database } from 'better-sqlite3';
import { sha256Hex } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';

/**
 * Per-rule results and inventories stored once by content (migration 008-content-dedup.sql): an
 * unchanged tenant's next run yields the same texts, and storing them again cost as much as the
 * run's evidence itself. What the hashes cover is unchanged: results hashes and inventory row
 * hashes are computed over the same text as when it was stored inline.
 */

/** Stores the text once by its SHA-256 and returns its row id; the caller holds the write transaction. */
export function storeJsonBlob(db: Database, json: string): number {
  const hash = sha256Hex(json);
  // Looked up first: an unchanged text (tens of megabytes at 100k users) is then never handed to SQLite again.
  const existing = db.prepare<[string], number>('SELECT id FROM json_blobs WHERE hash = ?').pluck().get(hash);
  if (existing !== undefined) return existing;
  return Number(db.prepare('INSERT INTO json_blobs (hash, json) VALUES (?, ?)').run(hash, json).lastInsertRowid);
}

/** Links an evaluation to its results, in order, each stored once by content. */
export function storeEvaluationResults(db: Database, evaluationId: number, resultJsons: readonly string[]): void {
  const link = db.prepare('INSERT INTO evaluation_results (evaluation_id, ordinal, blob_id) VALUES (?, ?, ?)');
  resultJsons.forEach((json, ordinal) => link.run(evaluationId, ordinal, storeJsonBlob(db, json)));
}

/**
 * `results_json` as stored: inline (written before 008) or '' with the results in
 * `evaluation_results`. Rebuilt to the exact text the results hash was computed over.
 */
export function storedResultsJson(db: Database, evaluationId: number, inline: string): string {
  if (inline !== '') return inline;
  const parts = db
    .prepare<[number], string>('SELECT b.json FROM evaluation_results r JOIN json_blobs b ON b.id = r.blob_id WHERE r.evaluation_id = ? ORDER BY r.ordinal')
    .pluck()
    .all(evaluationId);
  return `[${parts.join(',')}]`;
}

export interface ResultRowCheck {
  /** Results rows of the evaluation (0 for inline storage). */
  rows: number;
  /** Ordinals that point at no stored content (it was deleted). */
  missing: number[];
  /** Ordinals whose content no longer matches its SHA-256, each with the other evaluations sharing it. */
  changed: Array<{ ordinal: number; hash: string; sharedWith: number[] }>;
}

/** Re-hashes every stored content row once, however many evaluations and inventories share it. */
export function changedJsonBlobs(db: Database): Set<number> {
  const changed = new Set<number>();
  for (const row of db.prepare<[], { id: number; hash: string; json: string }>('SELECT id, hash, json FROM json_blobs').iterate()) {
    if (sha256Hex(row.json) !== row.hash) changed.add(row.id);
  }
  return changed;
}

export function checkResultRows(db: Database, evaluationId: number, changedBlobs: ReadonlySet<number>): ResultRowCheck {
  const rows = db
    .prepare<[number], { ordinal: number; blob_id: number; hash: string | null }>(
      'SELECT r.ordinal, r.blob_id, b.hash FROM evaluation_results r LEFT JOIN json_blobs b ON b.id = r.blob_id WHERE r.evaluation_id = ? ORDER BY r.ordinal',
    )
    .all(evaluationId);
  const users = db.prepare<[number, number], number>('SELECT DISTINCT evaluation_id FROM evaluation_results WHERE blob_id = ? AND evaluation_id <> ? ORDER BY evaluation_id').pluck();
  const out: ResultRowCheck = { rows: rows.length, missing: [], changed: [] };
  for (const row of rows) {
    if (row.hash === null) out.missing.push(row.ordinal);
    else if (changedBlobs.has(row.blob_id)) out.changed.push({ ordinal: row.ordinal, hash: row.hash, sharedWith: users.all(row.blob_id, evaluationId) });
  }
  return out;
}

/** An inventory row's content text: inline (before 008) or from `json_blobs`. */
export function inventoryJson(row: { json: string; blob_id: number | null; blob_json: string | null }, what: string): string {
  if (row.blob_id === null) return row.json;
  if (row.blob_json === null) throw new AgentError('store_failed', `${what} is gone (its stored content was deleted); the database was changed outside Evidentia. Run \`evidentia verify\`.`);
  return row.blob_json;
}
