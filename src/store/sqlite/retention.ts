import type { Database } from 'better-sqlite3';
import type { PruneResult } from '../evidence-store.ts';

/**
 * Drops the bytes of raw page bodies that only runs started before `olderThan` use. A body shared
 * with a newer run (bodies are deduplicated across runs) or with a run still going is kept. Hashes,
 * sizes, pages, manifests, entities and evaluations stay: `verify` still checks every chain and
 * counts the pruned pages, and re-evaluating an old run still works (rules read entities, not bodies).
 */
export function pruneBlobs(db: Database, olderThan: Date, now: Date): PruneResult {
  return db.transaction(() => {
    const cutoff = olderThan.toISOString();
    const candidates = db
      .prepare<[string], { hash: string; size: number }>(
        `SELECT b.hash, b.size FROM blobs b
         WHERE b.body IS NOT NULL AND b.pruned_at IS NULL
           AND NOT EXISTS (
             SELECT 1 FROM pages p JOIN runs r ON r.id = p.run_id
             WHERE p.blob_hash = b.hash AND (julianday(r.started_at) >= julianday(?) OR r.status = 'running')
           )`,
        // julianday, not text order: start times may carry any UTC offset.
      )
      .all(cutoff);
    const prune = db.prepare('UPDATE blobs SET body = NULL, pruned_at = ? WHERE hash = ?');
    const at = now.toISOString();
    let bytesFreed = 0;
    for (const c of candidates) {
      prune.run(at, c.hash);
      bytesFreed += c.size;
    }
    // The record `verify` checks every pruned body against (migrations/006-prune-log.sql).
    if (candidates.length > 0) {
      db.prepare('INSERT INTO prune_log (cutoff, pruned_at, blobs, bytes) VALUES (?, ?, ?, ?)').run(cutoff, at, candidates.length, bytesFreed);
    }
    return { blobsPruned: candidates.length, bytesFreed };
  }).immediate();
}

/**
 * A page whose bytes equal a pruned body (an unchanged tenant answers the same as a year ago) must
 * not point at a body that is gone: the bytes, already hashed by the caller, are stored again.
 */
export function restorePrunedBlob(db: Database, hash: string, bytes: Buffer): void {
  db.prepare('UPDATE blobs SET body = ?, pruned_at = NULL WHERE hash = ? AND body IS NULL AND pruned_at IS NOT NULL').run(bytes, hash);
}
