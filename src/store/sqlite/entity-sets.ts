import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { sha256Hex } from '../../core/canonical-json.ts';
import type { StreamRef } from '../evidence-store.ts';
import type { EntityRow } from './validate.ts';

/**
 * Entity storage (schema 2, see migrations/002-entity-sets.sql): each distinct entity is stored
 * once by its SHA-256, a running run lists what it has in `pending_entities`, and sealing turns each
 * stream's entities into a content-addressed set that later runs with the same entities reference
 * instead of storing again. Runs written by schema 1 keep their rows in `entities`; every reader
 * here reads both layouts.
 */

/** One entity of a run as the manifest and loadSnapshot see it. */
export interface RunEntityRow {
  connector: string;
  instance: string;
  stream: string;
  kind: string;
  key: string;
  json: string;
}

/**
 * Adds entities to a running run. Call inside the caller's write transaction; a repeated
 * (instance, kind, key) within the run is SQLite's unique violation (as in schema 1), handed to
 * `onInsertError` with the row so the caller can say which record it was.
 */
export function insertPendingEntities(db: Database, runId: number, ref: StreamRef, rows: readonly EntityRow[], onInsertError: (row: EntityRow, e: unknown) => never): void {
  const insertBlob = db.prepare('INSERT INTO entity_blobs (hash, kind, key, json) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING');
  const blobId = db.prepare<[string], number>('SELECT id FROM entity_blobs WHERE hash = ?').pluck();
  const insertPending = db.prepare('INSERT INTO pending_entities (run_id, instance, kind, key, connector, stream, entity_id) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const row of rows) {
    const hash = sha256Hex(row.json);
    const inserted = insertBlob.run(hash, row.kind, row.key, row.json);
    const id = inserted.changes === 1 ? Number(inserted.lastInsertRowid) : blobId.get(hash)!;
    try {
      insertPending.run(runId, ref.instance, row.kind, row.key, ref.connector, ref.stream, id);
    } catch (e) {
      onInsertError(row, e);
    }
  }
}

/**
 * Turns the run's pending entities into one set per stream, stored once per content hash, linked
 * to the run, and deletes the pending rows. Call inside the sealing transaction, before the
 * manifest is built (the manifest reads the linked sets).
 */
export function sealEntitySets(db: Database, runId: number): void {
  const streams = db
    .prepare<[number], { connector: string; instance: string; stream: string }>('SELECT DISTINCT connector, instance, stream FROM pending_entities WHERE run_id = ? ORDER BY instance, stream')
    .all(runId);
  const members = db.prepare<[number, string, string], { entity_id: number; json: string }>(
    `SELECT p.entity_id, b.json FROM pending_entities p JOIN entity_blobs b ON b.id = p.entity_id
     WHERE p.run_id = ? AND p.instance = ? AND p.stream = ? ORDER BY p.kind, p.key`,
  );
  const existing = db.prepare<[string], number>('SELECT id FROM entity_sets WHERE hash = ?').pluck();
  const insertSet = db.prepare('INSERT INTO entity_sets (hash, entity_count) VALUES (?, ?)');
  const insertMember = db.prepare('INSERT INTO entity_set_members (set_id, ordinal, entity_id) VALUES (?, ?, ?)');
  const link = db.prepare('INSERT INTO run_entity_sets (run_id, connector, instance, stream, set_id) VALUES (?, ?, ?, ?, ?)');
  for (const s of streams) {
    const ids: number[] = [];
    const hash = digestJsonArray(members.iterate(runId, s.instance, s.stream), (m) => {
      ids.push(m.entity_id);
      return m.json;
    });
    let setId = existing.get(hash);
    if (setId === undefined) {
      setId = Number(insertSet.run(hash, ids.length).lastInsertRowid);
      ids.forEach((entityId, ordinal) => insertMember.run(setId, ordinal, entityId));
    }
    link.run(runId, s.connector, s.instance, s.stream, setId);
  }
  db.prepare('DELETE FROM pending_entities WHERE run_id = ?').run(runId);
}

/**
 * Every entity of a run in (instance, stream, kind, key) order, whichever layout holds it: schema-1
 * rows, pending rows (running or interrupted runs) and linked sets (sealed runs). A run has only
 * one of them unless the file was edited, and then its digest no longer matches its manifest.
 */
export function* runEntityRows(db: Database, runId: number): Generator<RunEntityRow, void, undefined> {
  yield* db
    .prepare<[number], RunEntityRow>('SELECT connector, instance, stream, kind, key, json FROM entities WHERE run_id = ? ORDER BY instance, stream, kind, key')
    .iterate(runId);
  yield* db
    .prepare<[number], RunEntityRow>(
      `SELECT p.connector, p.instance, p.stream, p.kind, p.key, b.json FROM pending_entities p JOIN entity_blobs b ON b.id = p.entity_id
       WHERE p.run_id = ? ORDER BY p.instance, p.stream, p.kind, p.key`,
    )
    .iterate(runId);
  yield* db
    .prepare<[number], RunEntityRow>(
      `SELECT l.connector, l.instance, l.stream, b.kind, b.key, b.json
       FROM run_entity_sets l JOIN entity_set_members m ON m.set_id = l.set_id JOIN entity_blobs b ON b.id = m.entity_id
       WHERE l.run_id = ? ORDER BY l.instance, l.stream, m.ordinal`,
    )
    .iterate(runId);
}

/** SQL for a run's entity count in either layout, given the run's id as `r.id` (RUN_SELECT). */
export const ENTITY_COUNT_SQL = `(
    (SELECT count(*) FROM entities e WHERE e.run_id = r.id)
    + (SELECT count(*) FROM pending_entities p WHERE p.run_id = r.id)
    + coalesce((SELECT sum(s.entity_count) FROM run_entity_sets l JOIN entity_sets s ON s.id = l.set_id WHERE l.run_id = r.id), 0)
  )`;

/** A stored set whose members no longer hash to its key, and the run streams that use it. */
export interface ChangedEntitySet {
  hash: string;
  uses: Array<{ runId: number; instance: string; stream: string }>;
}

/**
 * Re-hashes every entity set once, however many runs share it, from the entities' stored JSON:
 * a changed entity, a member added, dropped or reordered, or a rewritten set hash all show here.
 */
export function changedEntitySets(db: Database): Map<number, ChangedEntitySet> {
  const sets = db.prepare<[], { id: number; hash: string; entity_count: number }>('SELECT id, hash, entity_count FROM entity_sets ORDER BY id').all();
  const members = db.prepare<[number], { json: string }>(
    'SELECT b.json FROM entity_set_members m JOIN entity_blobs b ON b.id = m.entity_id WHERE m.set_id = ? ORDER BY m.ordinal',
  );
  const uses = db.prepare<[number], { runId: number; instance: string; stream: string }>(
    'SELECT run_id AS runId, instance, stream FROM run_entity_sets WHERE set_id = ? ORDER BY run_id, instance, stream',
  );
  const changed = new Map<number, ChangedEntitySet>();
  for (const set of sets) {
    let count = 0;
    const hash = digestJsonArray(members.iterate(set.id), (m) => {
      count++;
      return m.json;
    });
    if (hash !== set.hash || count !== set.entity_count) changed.set(set.id, { hash: set.hash, uses: uses.all(set.id) });
  }
  return changed;
}

/** The set ids a run links to, per stream. */
export function runEntitySets(db: Database, runId: number): Array<{ instance: string; stream: string; setId: number }> {
  return db
    .prepare<[number], { instance: string; stream: string; setId: number }>('SELECT instance, stream, set_id AS setId FROM run_entity_sets WHERE run_id = ? ORDER BY instance, stream')
    .all(runId);
}

/** sha256Hex of `[e1,e2,…]` without building the string: a stream can hold 100k entities. */
export function digestJsonArray<T>(rows: Iterable<T>, element: (row: T) => string): string {
  const hash = createHash('sha256');
  hash.update('[');
  let first = true;
  for (const row of rows) {
    if (!first) hash.update(',');
    hash.update(element(row));
    first = false;
  }
  hash.update(']');
  return hash.digest('hex');
}

/**
 * What `verify` says about one sealed run's entities: each stream whose stored set no longer
 * hashes to its key (naming the other runs that share it), else a digest that no longer matches
 * the manifest (a link moved, a schema-1 row edited, rows added), else nothing.
 */
export function entityProblem(db: Database, runId: number, changed: ReadonlyMap<number, ChangedEntitySet>, digestMatches: boolean): string | null {
  const streams = runEntitySets(db, runId).filter((l) => changed.has(l.setId));
  if (streams.length > 0) {
    return streams
      .map((l) => {
        const set = changed.get(l.setId)!;
        const others = [...new Set(set.uses.map((u) => u.runId).filter((id) => id !== runId))];
        const shared = others.length > 0 ? `; the same stored set is also used by run ${others.join(', run ')}` : '';
        return `the entities of ${l.instance}/${l.stream} no longer match their SHA-256 (entity set ${set.hash.slice(0, 12)}…${shared})`;
      })
      .join('; ');
  }
  return digestMatches ? null : 'its entities no longer match the digest in its manifest';
}
