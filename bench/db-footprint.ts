import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Size of the evidence database and where its bytes are, measured with the app closed: the WAL is
 * checkpointed into the main file first, so the file size is the data, not a pending log.
 */

export interface TableFootprint {
  /** Bytes of b-tree pages of the table and its indexes (SQLite's `dbstat`); null when dbstat is unavailable. */
  bytes: number | null;
  rows: number;
}

export interface DbFootprint {
  /** Main file + `-wal` after a checkpoint (the WAL is normally gone by then). */
  totalBytes: number;
  fileBytes: number;
  walBytes: number;
  /** Free pages inside the main file (SQLite reuses them before growing it): a run's pending entities are freed when it is sealed. */
  freeBytes: number;
  /** Per table, indexes folded into their table. */
  tables: Record<string, TableFootprint>;
}

export interface RunBytes {
  runId: number;
  pages: number;
  entities: number;
  /** Canonical JSON of this run's entities (payload only, no b-tree overhead), stored or referenced. */
  entityJsonBytes: number;
  /** Entity sets (one per stream, by content hash) first stored by this run; the others are only referenced. */
  newEntitySets: number;
  /** Canonical JSON of the entities first stored by this run (payload only). */
  newEntityJsonBytes: number;
  /** Response bodies first stored by this run (bodies already stored by an earlier run are only referenced). */
  newBlobs: number;
  newBlobBytes: number;
  /** Bodies this run referenced, new or not. */
  referencedBlobBytes: number;
  outcomeJsonBytes: number;
  evaluationJsonBytes: number;
  manifestJsonBytes: number;
}

const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);

export function measureDb(path: string, runIds: readonly number[]): { footprint: DbFootprint; runs: RunBytes[] } {
  const db = new Database(path);
  let tables: Record<string, TableFootprint>;
  let runs: RunBytes[];
  let freeBytes = 0;
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('wal_checkpoint(TRUNCATE)');
    tables = tableFootprints(db);
    freeBytes = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    runs = runIds.map((id) => runBytes(db, id));
  } finally {
    db.close(); // the last connection to close deletes the (checkpointed) WAL
  }
  const fileBytes = size(path);
  const walBytes = size(`${path}-wal`);
  return { footprint: { totalBytes: fileBytes + walBytes, fileBytes, walBytes, freeBytes, tables }, runs };
}

function tableFootprints(db: Database.Database): Record<string, TableFootprint> {
  const objects = db.prepare("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string; tbl: string }[];
  const tableOf = new Map(objects.map((o) => [o.name, o.tbl]));
  const out: Record<string, TableFootprint> = {};
  for (const o of objects) {
    if (o.name === o.tbl && !o.name.startsWith('sqlite_')) {
      const { n } = db.prepare(`SELECT count(*) AS n FROM "${o.name.replace(/"/g, '""')}"`).get() as { n: number };
      out[o.name] = { bytes: null, rows: n };
    }
  }
  let stat: { name: string; bytes: number }[];
  try {
    stat = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[];
  } catch {
    return out; // SQLite built without SQLITE_ENABLE_DBSTAT_VTAB: row counts only
  }
  for (const { name, bytes } of stat) {
    const table = tableOf.get(name) ?? name; // sqlite_schema itself, sqlite_sequence…
    const t = (out[table] ??= { bytes: 0, rows: 0 });
    t.bytes = (t.bytes ?? 0) + bytes;
  }
  return out;
}

function runBytes(db: Database.Database, runId: number): RunBytes {
  const one = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;
  const pages = one<{ n: number }>('SELECT count(*) AS n FROM pages WHERE run_id = ?', runId).n;
  // Schema 1 kept entities per run in `entities`; schema 2 links each stream to a stored set.
  const legacy = one<{ n: number; b: number | null }>('SELECT count(*) AS n, sum(length(json)) AS b FROM entities WHERE run_id = ?', runId);
  const linked = one<{ n: number; b: number | null }>(
    `SELECT count(*) AS n, sum(length(b.json)) AS b FROM run_entity_sets l
       JOIN entity_set_members m ON m.set_id = l.set_id JOIN entity_blobs b ON b.id = m.entity_id WHERE l.run_id = ?`,
    runId,
  );
  const ent = { n: legacy.n + linked.n, b: (legacy.b ?? 0) + (linked.b ?? 0) };
  const newSets = one<{ n: number }>(
    'SELECT count(*) AS n FROM run_entity_sets WHERE run_id = ? AND set_id NOT IN (SELECT set_id FROM run_entity_sets WHERE run_id < ?)',
    runId,
    runId,
  ).n;
  const newEntities = one<{ b: number | null }>(
    `SELECT sum(length(json)) AS b FROM entity_blobs
      WHERE id IN (SELECT m.entity_id FROM run_entity_sets l JOIN entity_set_members m ON m.set_id = l.set_id WHERE l.run_id = ?)
        AND id NOT IN (SELECT m.entity_id FROM run_entity_sets l JOIN entity_set_members m ON m.set_id = l.set_id WHERE l.run_id < ?)`,
    runId,
    runId,
  ).b;
  const fresh = one<{ n: number; b: number | null }>(
    `SELECT count(*) AS n, sum(size) AS b FROM blobs
      WHERE hash IN (SELECT blob_hash FROM pages WHERE run_id = ?)
        AND hash NOT IN (SELECT blob_hash FROM pages WHERE run_id < ?)`,
    runId,
    runId,
  );
  const referenced = one<{ b: number | null }>('SELECT sum(size) AS b FROM blobs WHERE hash IN (SELECT blob_hash FROM pages WHERE run_id = ?)', runId);
  const outcomes = one<{ b: number | null }>('SELECT sum(length(json)) AS b FROM stream_outcomes WHERE run_id = ?', runId);
  // Results inline (before 008) plus the per-rule contents the run's evaluations point at (stored once, maybe by an earlier run).
  const evals = one<{ b: number | null }>(
    `SELECT (SELECT coalesce(sum(length(results_json)), 0) FROM evaluations WHERE run_id = ?)
          + (SELECT coalesce(sum(length(b.json)), 0) FROM evaluations e JOIN evaluation_results r ON r.evaluation_id = e.id JOIN json_blobs b ON b.id = r.blob_id WHERE e.run_id = ?) AS b`,
    runId,
    runId,
  );
  const manifest = one<{ b: number | null }>('SELECT length(manifest_json) AS b FROM runs WHERE id = ?', runId);
  return {
    runId,
    pages,
    entities: ent.n,
    entityJsonBytes: ent.b,
    newEntitySets: newSets,
    newEntityJsonBytes: newEntities ?? 0,
    newBlobs: fresh.n,
    newBlobBytes: fresh.b ?? 0,
    referencedBlobBytes: referenced.b ?? 0,
    outcomeJsonBytes: outcomes.b ?? 0,
    evaluationJsonBytes: evals.b ?? 0,
    manifestJsonBytes: manifest?.b ?? 0,
  };
}
