import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';
import { INVENTORY_KINDS, INVENTORY_SCHEMAS, runInventories } from '../../inventory/inventory-schema.ts';
import type { InventoryKind, InventoryParts, RunInventories } from '../../inventory/inventory-schema.ts';
import { describeIssues } from './inputs.ts';
import { inventoryJson, storeJsonBlob } from './json-blobs.ts';
import { parseStored } from './validate.ts';

/**
 * The inventories stored with an evaluation (migration 002-inventories.sql). Written inside the
 * evaluation's own transaction (evaluations.ts), so they exist for an evaluation completely or not
 * at all.
 */

export interface InventoryRowHashInput {
  evaluationId: number;
  kind: string;
  /** The evaluation's results hash: binds the row to that evaluation's results and run manifest. */
  resultsHash: string;
  json: string;
  /** The sha256 of the row stored just before, null for the first: rows form one chain. */
  previous: string | null;
}

export function inventoryRowHash(input: InventoryRowHashInput): string {
  const { evaluationId, kind, resultsHash, json, previous } = input;
  // The same bytes as sha256Hex(canonicalJson({ evaluationId, kind, resultsHash, json, previous })),
  // without building that text: `json` is up to ~50 MB at 100k users, and escaping it whole would
  // hold another copy of it (twice as large when it has any non-Latin-1 character).
  const hash = createHash('sha256').update(`{"evaluationId":${canonicalJson(evaluationId)},"json":"`);
  for (let at = 0; at < json.length; ) {
    let end = Math.min(at + CHUNK, json.length);
    // Never split a surrogate pair: JSON.stringify escapes a lone half, which the whole text would not.
    if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end++;
    const quoted = JSON.stringify(json.slice(at, end));
    hash.update(quoted.slice(1, -1));
    at = end;
  }
  return hash.update(`","kind":${canonicalJson(kind)},"previous":${canonicalJson(previous)},"resultsHash":${canonicalJson(resultsHash)}}`).digest('hex');
}

const CHUNK = 1 << 20;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

const inventoryHead = runInventories.pick({ org: true, runId: true, asOf: true });

/**
 * Validates and inserts every kind; the caller holds the write transaction. Kind by kind, so only
 * one kind's validated copy and text are alive at a time (at 100k users the accounts inventory
 * alone is ~50 MB of JSON).
 */
export function insertInventories(db: Database, evaluation: { id: number; runId: number; org: string; resultsHash: string }, value: RunInventories): void {
  const head = inventoryHead.safeParse(value);
  if (!head.success) {
    throw new AgentError('internal', `Inventories of run ${evaluation.runId} do not match the inventory schema: ${describeIssues(head.error)}`, { cause: head.error });
  }
  const inv = head.data;
  if (inv.runId !== evaluation.runId || inv.org !== evaluation.org) {
    throw new AgentError('internal', `Inventories built for run ${inv.runId} (org ${inv.org}) cannot be stored with an evaluation of run ${evaluation.runId} (org ${evaluation.org}).`);
  }
  // The content is stored once (008-content-dedup.sql); the row keeps '' and the row hash still covers the content's text.
  const insert = db.prepare(`INSERT INTO inventories (evaluation_id, kind, json, blob_id, sha256, previous_sha256) VALUES (?, ?, '', ?, ?, ?)`);
  // Read inside the caller's IMMEDIATE transaction, so two writers cannot chain to the same row.
  let previous = db.prepare<[], string>('SELECT sha256 FROM inventories ORDER BY id DESC LIMIT 1').pluck().get() ?? null;
  for (const kind of INVENTORY_KINDS) {
    // A kind that does not validate throws inside the caller's transaction: nothing of the evaluation stays.
    const parsed = INVENTORY_SCHEMAS[kind].safeParse(value[kind]);
    if (!parsed.success) {
      throw new AgentError('internal', `Inventories of run ${evaluation.runId} do not match the inventory schema: ${kind}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
    }
    const json = canonicalJson(parsed.data);
    const sha256 = inventoryRowHash({ evaluationId: evaluation.id, kind, resultsHash: evaluation.resultsHash, json, previous });
    insert.run(evaluation.id, kind, storeJsonBlob(db, json), sha256, previous);
    previous = sha256;
  }
}

interface LoadRow {
  kind: string;
  json: string;
  sha256: string;
  previous_sha256: string | null;
  /** The sha256 of the row stored just before this one, null for the very first row. */
  before: string | null;
  blob_id: number | null;
  blob_json: string | null;
}

/**
 * The inventories of one evaluation; null when it has none (stored before inventories existed).
 * Throws `not_found` for an unknown evaluation and `store_failed` when only some kinds are there
 * (they are written together, so a missing one was removed outside Evidentia). Each row is
 * re-hashed and its chain link checked on the way out (`store_failed` when either no longer
 * holds): an export signs what this returns, so it must be what was stored.
 */
export function loadInventories(db: Database, evaluationId: number): RunInventories | null {
  return loadInventoryKinds(db, evaluationId, INVENTORY_KINDS);
}

/**
 * Only the named kinds of one evaluation's inventories, each checked exactly as `loadInventories`
 * checks them (all kinds must still be stored; the ones read are re-hashed and their chain link
 * checked). For readers that need one or two kinds: `evidentia metrics` reads leavers and apps of
 * every run without parsing the accounts inventory, the largest.
 */
export function loadInventoryKinds<K extends InventoryKind>(db: Database, evaluationId: number, kinds: readonly K[]): InventoryParts<K> | null {
  const head = db
    .prepare<[number], { run_id: number; org: string; started_at: string; results_hash: string }>('SELECT e.run_id, r.org, r.started_at, e.results_hash FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE e.id = ?')
    .get(evaluationId);
  if (!head) throw new AgentError('not_found', `evaluation ${evaluationId} does not exist; \`evidentia results --json\` shows the stored evaluations`);
  const stored = new Set(db.prepare<[number], string>('SELECT kind FROM inventories WHERE evaluation_id = ?').pluck().all(evaluationId));
  if (stored.size === 0) return null;
  const missing = INVENTORY_KINDS.find((kind) => !stored.has(kind));
  if (missing !== undefined) {
    throw new AgentError('store_failed', `The ${missing} inventory of evaluation ${evaluationId} (run ${head.run_id}) is missing although its other inventories are stored; the database was changed outside Evidentia. Run \`evidentia verify\`.`);
  }
  // Filtered in SQL, so the kinds not asked for (the accounts inventory: ~50 MB at 100k users) are never read.
  const rows = db
    .prepare<[number, string], LoadRow>(
      `SELECT i.kind, i.json, i.sha256, i.previous_sha256, i.blob_id, b.json AS blob_json,
              (SELECT p.sha256 FROM inventories p WHERE p.id < i.id ORDER BY p.id DESC LIMIT 1) AS before
       FROM inventories i LEFT JOIN json_blobs b ON b.id = i.blob_id
       WHERE i.evaluation_id = ? AND i.kind IN (SELECT value FROM json_each(?)) ORDER BY i.kind`,
    )
    .all(evaluationId, JSON.stringify(kinds));
  const parsed = new Map<string, unknown>();
  for (const row of rows) {
    // Content stored once by hash (008-content-dedup.sql) or inline (before it): the row hash covers the text either way.
    const json = inventoryJson(row, `The ${row.kind} inventory of evaluation ${evaluationId} (run ${head.run_id})`);
    const changed = inventoryRowHash({ evaluationId, kind: row.kind, resultsHash: head.results_hash, json, previous: row.previous_sha256 }) !== row.sha256;
    if (changed || row.previous_sha256 !== row.before) {
      throw new AgentError(
        'store_failed',
        `The ${row.kind} inventory of evaluation ${evaluationId} (run ${head.run_id}) ${changed ? 'no longer matches its SHA-256' : 'no longer follows the inventory stored before it'}; the database was changed outside Evidentia. Run \`evidentia verify\`.`,
      );
    }
    parsed.set(row.kind, parseStored<unknown>(INVENTORY_SCHEMAS[row.kind as InventoryKind], json, `The stored ${row.kind} inventory of evaluation ${evaluationId}`));
  }
  // In the order asked for (INVENTORY_KINDS for the whole set): exports serialise this object as it comes.
  const out: Partial<Record<InventoryKind, unknown>> = {};
  for (const kind of kinds) out[kind] = parsed.get(kind);
  return { org: head.org, runId: head.run_id, asOf: new Date(head.started_at).toISOString(), ...out } as InventoryParts<K>;
}
