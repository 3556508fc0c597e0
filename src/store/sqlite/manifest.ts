import type { Database } from 'better-sqlite3';
import type { RunRecord, RunStatus } from '../evidence-store.ts';
import { digestJsonArray, runEntityRows } from './entity-sets.ts';
import { derivedStreams } from './checkpoints.ts';

/**
 * The manifest seals one run. Its hash is `sha256Hex(canonicalJson(manifest))`, and the next sealed
 * run of the same organisation carries that hash as `previousManifestHash`, so deleting, inserting
 * or rewriting a sealed run breaks the chain from there on (as CloudTrail digest files do).
 *
 * It covers every evidence column of the run: each page row, a digest of the entities, a digest of
 * the stream outcomes. Process bookkeeping (pid, hostname) is left out: it is not evidence.
 *
 * Version 1, for anyone re-computing it outside Evidentia:
 * - `pages`: every page of the run in (instance, stream, seq) order, byte order of the UTF-8 text.
 * - `entitiesDigest`: sha256Hex(canonicalJson([{ connector, instance, stream, entity }, …])) over the
 *   run's entities in (instance, stream, kind, key) order.
 * - `outcomesDigest`: sha256Hex(canonicalJson([outcome, …])) over its stream outcomes in
 *   (instance, stream) order.
 * - `mode` and `derivedFrom` (only in runs collected incrementally, so older manifests are unchanged):
 *   each stream whose entity set was derived from an earlier sealed run (that run's set with this
 *   run's raw delta pages applied), naming the base run and its manifest hash.
 * A port to another database must sort with the same byte order (PostgreSQL: COLLATE "C").
 */
export interface RunManifest {
  version: 1;
  runId: number;
  org: string;
  trigger: RunRecord['trigger'];
  startedAt: string;
  finishedAt: string;
  status: RunStatus;
  toolVersion: string;
  configDigest: string;
  pages: ManifestPage[];
  entitiesDigest: string;
  outcomesDigest: string;
  previousManifestHash: string | null;
  mode?: 'incremental';
  derivedFrom?: Array<{ instance: string; stream: string; baseRunId: number; baseManifestHash: string | null }>;
}

export interface ManifestPage {
  connector: string;
  instance: string;
  stream: string;
  seq: number;
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  receivedAt: string;
  /** SHA-256 of the body's bytes; the key of its row in `blobs`. */
  hash: string;
}

/** The run fields a manifest is built from, as stored in (or about to be written to) `runs`. */
export interface ManifestRunFields {
  id: number;
  org: string;
  trigger: RunRecord['trigger'];
  started_at: string;
  finished_at: string;
  status: RunStatus;
  tool_version: string;
  config_digest: string;
  previous_manifest_hash: string | null;
}

export function buildManifest(db: Database, run: ManifestRunFields): RunManifest {
  const mode = db.prepare<[number], { mode: string }>('SELECT mode FROM runs WHERE id = ?').get(run.id)?.mode;
  const derived = derivedStreams(db, run.id);
  const incremental = mode === 'incremental' || derived.length > 0 ? { mode: 'incremental' as const, derivedFrom: derived } : {};
  return {
    ...incremental,
    version: 1,
    runId: run.id,
    org: run.org,
    trigger: run.trigger,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    status: run.status,
    toolVersion: run.tool_version,
    configDigest: run.config_digest,
    pages: manifestPages(db, run.id),
    entitiesDigest: entitiesDigest(db, run.id),
    outcomesDigest: outcomesDigest(db, run.id),
    previousManifestHash: run.previous_manifest_hash,
  };
}

export function manifestPages(db: Database, runId: number): ManifestPage[] {
  return db
    .prepare<[number], ManifestPage>(
      `SELECT connector, instance, stream, seq, method, url, status, content_type AS contentType,
              received_at AS receivedAt, blob_hash AS hash
       FROM pages WHERE run_id = ? ORDER BY instance, stream, seq`,
    )
    .all(runId);
}

/**
 * Streams the hash instead of building one big string: a large tenant has 100k+ entities. Each
 * stored `json` is already canonical, and the wrapper's keys are written in sorted order
 * (connector < entity < instance < stream), so the bytes hashed equal the canonicalJson of the array
 * described above (a test checks that).
 */
export function entitiesDigest(db: Database, runId: number): string {
  // Schema 1 rows or schema 2 entity sets: the same text is hashed either way (entity-sets.ts).
  const rows = runEntityRows(db, runId);
  return digestJsonArray(rows, (r) => `{"connector":${JSON.stringify(r.connector)},"entity":${r.json},"instance":${JSON.stringify(r.instance)},"stream":${JSON.stringify(r.stream)}}`);
}

export function outcomesDigest(db: Database, runId: number): string {
  const rows = db
    .prepare<[number], { json: string }>('SELECT json FROM stream_outcomes WHERE run_id = ? ORDER BY instance, stream')
    .iterate(runId);
  return digestJsonArray(rows, (r) => r.json);
}
