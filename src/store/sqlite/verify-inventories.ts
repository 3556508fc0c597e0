import type { Database } from 'better-sqlite3';
import type { VerifyProblem } from '../evidence-store.ts';
import { INVENTORY_KINDS } from '../../inventory/inventory-schema.ts';
import { inventoryRowHash } from './inventories.ts';
import { describeRun } from './rows.ts';

interface Row {
  id: number;
  evaluation_id: number;
  kind: string;
  json: string;
  blob_id: number | null;
  blob_json: string | null;
  sha256: string;
  previous_sha256: string | null;
  results_hash: string | null;
  run_id: number | null;
  org: string | null;
  started_at: string | null;
}

/**
 * Re-hashes every stored inventory row (bound to its evaluation's results hash and to the row
 * stored before it) and checks that an evaluation with inventories has every kind: they are
 * written together, so a missing kind was deleted. Deleting every inventory of the NEWEST
 * evaluation leaves a valid shorter chain, as deleting the newest run does (the signed export is
 * the anchor). Returns how many rows were checked.
 */
export function checkInventories(db: Database, problems: VerifyProblem[], changedContent: ReadonlySet<number>): number {
  const rows = db
    .prepare<[], Row>(
      `SELECT i.id, i.evaluation_id, i.kind, i.json, i.blob_id, b.json AS blob_json, i.sha256, i.previous_sha256, e.results_hash, e.run_id, r.org, r.started_at
       FROM inventories i LEFT JOIN evaluations e ON e.id = i.evaluation_id LEFT JOIN runs r ON r.id = e.run_id
         LEFT JOIN json_blobs b ON b.id = i.blob_id
       ORDER BY i.id`,
    )
    // Row by row: since 006 the content is shared, and all of it at once could be hundreds of megabytes.
    .iterate();
  // Keeps only what names the run, never a row's (possibly huge) JSON.
  const kindsOf = new Map<number, { row: Pick<Row, 'run_id' | 'org' | 'started_at'>; kinds: Set<string> }>();
  let before: string | null = null;
  let count = 0;
  for (const row of rows) {
    count++;
    const run = { id: row.run_id ?? 0, org: row.org ?? '(unknown)', started_at: row.started_at ?? 'unknown start' };
    const say = (what: string): void => {
      problems.push({ runId: run.id, org: run.org, kind: 'inventories', detail: `${describeRun(run)}: the ${row.kind} inventory of evaluation ${row.evaluation_id} ${what}` });
    };
    // The chain is checked first and always, so a broken link is named even on a row that fails otherwise.
    if (row.previous_sha256 !== before) say('no longer follows the inventory stored before it: stored inventories were deleted or inserted');
    before = row.sha256;
    if (row.results_hash === null) {
      say('belongs to an evaluation that is no longer in the database');
      continue;
    }
    if (!(INVENTORY_KINDS as readonly string[]).includes(row.kind)) say('is of a kind Evidentia never writes');
    else if (row.blob_id !== null && row.blob_json === null) say('is gone: its stored content was deleted');
    else if (row.blob_id !== null && changedContent.has(row.blob_id)) say('no longer matches its SHA-256 (its stored content was changed)');
    else if (inventoryRowHash({ evaluationId: row.evaluation_id, kind: row.kind, resultsHash: row.results_hash, json: row.blob_json ?? row.json, previous: row.previous_sha256 }) !== row.sha256) {
      say('no longer matches its SHA-256');
    }
    const entry = kindsOf.get(row.evaluation_id) ?? { row: { run_id: row.run_id, org: row.org, started_at: row.started_at }, kinds: new Set<string>() };
    entry.kinds.add(row.kind);
    kindsOf.set(row.evaluation_id, entry);
  }
  for (const [evaluationId, { row, kinds }] of kindsOf) {
    const missing = INVENTORY_KINDS.filter((k) => !kinds.has(k));
    if (missing.length === 0) continue;
    const run = { id: row.run_id ?? 0, org: row.org ?? '(unknown)', started_at: row.started_at ?? 'unknown start' };
    problems.push({ runId: run.id, org: run.org, kind: 'inventories', detail: `${describeRun(run)}: evaluation ${evaluationId} is missing its ${missing.join(', ')} inventor${missing.length === 1 ? 'y' : 'ies'} (they are stored together, so one was deleted)` });
  }
  return count;
}
