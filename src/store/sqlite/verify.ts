import type { Database } from 'better-sqlite3';
import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';
import type { VerifyProblem, VerifyReport } from '../evidence-store.ts';
import { buildManifest, entitiesDigest, outcomesDigest } from './manifest.ts';
import { changedEntitySets, entityProblem, type ChangedEntitySet } from './entity-sets.ts';
import type { RunManifest } from './manifest.ts';
import { describeRun, isSealedStatus } from './rows.ts';
import type { RunHeader } from './rows.ts';
import { changedJsonBlobs, checkResultRows, storedResultsJson } from './json-blobs.ts';
import { resultsHashOfJson } from './results-hash.ts';
import { checkInventories } from './verify-inventories.ts';

const MAX_LISTED = 100;

type Problem = VerifyProblem;

type VerifyRun = Omit<RunHeader, 'manifest_json' | 'pid' | 'hostname' | 'process_started_at'> & { has_manifest: number };

interface PageCheckRow {
  instance: string;
  stream: string;
  seq: number;
  blob_hash: string;
  blob_exists: number;
}

/**
 * Recomputes everything from the stored rows, inside one read transaction (a consistent snapshot
 * even while the daemon writes): each body's SHA-256, each sealed run's entity and outcome digests
 * and manifest, each organisation's chain, and each evaluation's results hash.
 */
export function verifyEvidence(db: Database): VerifyReport {
  return db.transaction(() => check(db)).deferred();
}

function check(db: Database): VerifyReport {
  const blobs = checkBlobs(db);
  const changedSets = changedEntitySets(db);
  // Manifests are fetched one run at a time: together they can be hundreds of megabytes.
  const runs = db
    .prepare<[], VerifyRun>(
      `SELECT id, org, status, trigger, started_at, finished_at, tool_version, config_digest, seal_seq, manifest_hash,
              previous_manifest_hash, manifest_json IS NOT NULL AS has_manifest
       FROM runs ORDER BY id`,
    )
    .all();
  const manifestOf = db.prepare<[number], string | null>('SELECT manifest_json FROM runs WHERE id = ?').pluck();
  const expectedPrevious = chainExpectations(runs);
  const problems: Problem[] = [];
  let pagesChecked = 0;
  let pagesPruned = 0;
  const cutoffs = pruneCutoffs(db);

  const pagesOf = db.prepare<[number], PageCheckRow>(
    `SELECT p.instance, p.stream, p.seq, p.blob_hash, b.hash IS NOT NULL AS blob_exists
     FROM pages p LEFT JOIN blobs b ON b.hash = p.blob_hash WHERE p.run_id = ? ORDER BY p.instance, p.stream, p.seq`,
  );
  const runsUsing = db.prepare<[string], { run_id: number }>('SELECT DISTINCT run_id FROM pages WHERE blob_hash = ? ORDER BY run_id');

  for (const run of runs) {
    const say = (kind: Problem['kind'], what: string): void => {
      problems.push({ runId: run.id, org: run.org, kind, detail: `${describeRun(run)}: ${what}` });
    };
    for (const page of pagesOf.all(run.id)) {
      const name = `page ${page.seq} of ${page.instance}/${page.stream}`;
      if (!page.blob_exists || blobs.missingBody.has(page.blob_hash)) {
        say('page_missing', `${name} is gone: its stored body (SHA-256 ${short(page.blob_hash)}) is missing`);
      } else if (blobs.pruned.has(page.blob_hash)) {
        const cutoff = cutoffs.get(blobs.pruned.get(page.blob_hash)!);
        if (cutoff === undefined || !(Date.parse(run.started_at) < cutoff)) {
          const why = cutoff === undefined ? 'no recorded retention prune removed it' : `the run started after that prune's cutoff (${new Date(cutoff).toISOString()})`;
          say('page_missing', `${name} is gone: its stored body (SHA-256 ${short(page.blob_hash)}) was removed, but ${why}`);
        } else pagesPruned++;
      } else {
        pagesChecked++;
        if (blobs.changed.has(page.blob_hash)) {
          const others = runsUsing.all(page.blob_hash).map((r) => r.run_id).filter((id) => id !== run.id);
          const shared = others.length > 0 ? ` (the same stored body is also used by run ${others.join(', run ')})` : '';
          say('page_hash', `${name} no longer matches its SHA-256${shared}`);
        }
      }
    }
    if (isSealedStatus(run.status)) checkSealedRun(db, run, manifestOf.get(run.id) ?? null, expectedPrevious.get(run.id) ?? null, changedSets, say);
    else if (run.has_manifest || run.manifest_hash !== null || run.seal_seq !== null) {
      say('manifest', `it is marked ${run.status} but has a manifest, so its status was changed after it was sealed`);
    }
  }

  const changedContent = changedJsonBlobs(db);
  const evaluations = checkEvaluations(db, problems, changedContent);
  checkInventories(db, problems, changedContent);
  // Stable sort: within a run, problems keep the order they were found in.
  problems.sort((a, b) => a.runId - b.runId);
  return {
    ok: problems.length === 0,
    message: summarise(problems, runs.length, pagesChecked, evaluations, pagesPruned, latestCutoff(db)),
    runsChecked: runs.length,
    pagesChecked,
    pagesPruned,
    evaluationsChecked: evaluations,
    problems: problems.slice(0, MAX_LISTED),
    problemCount: problems.length,
  };
}

/** Re-hashes every stored body once, however many runs share it. */
function checkBlobs(db: Database): { changed: Set<string>; missingBody: Set<string>; pruned: Map<string, string> } {
  const changed = new Set<string>();
  const missingBody = new Set<string>();
  /** Pruned body hash → when it was pruned. */
  const pruned = new Map<string, string>();
  const rows = db.prepare<[], { hash: string; body: Uint8Array | string | null; pruned_at: string | null }>('SELECT hash, body, pruned_at FROM blobs').iterate();
  for (const row of rows) {
    if (row.body === null) {
      if (row.pruned_at === null) missingBody.add(row.hash);
      else pruned.set(row.hash, row.pruned_at);
    } else if (sha256Hex(row.body) !== row.hash) changed.add(row.hash);
  }
  return { changed, missingBody, pruned };
}

/**
 * Retention's record: per prune time, the cutoff it used. A body counts as pruned by retention only
 * if a recorded prune removed it (same time) and the run using it started before that prune's
 * cutoff; otherwise a recent page was blanked by hand and that is reported, not excused.
 */
function pruneCutoffs(db: Database): Map<string, number> {
  const byTime = new Map<string, number>();
  for (const row of db.prepare<[], { cutoff: string; pruned_at: string }>('SELECT cutoff, pruned_at FROM prune_log').iterate()) {
    byTime.set(row.pruned_at, Math.max(byTime.get(row.pruned_at) ?? -Infinity, Date.parse(row.cutoff)));
  }
  return byTime;
}

function latestCutoff(db: Database): string | null {
  return db.prepare<[], string | null>('SELECT max(cutoff) FROM prune_log').pluck().get() ?? null;
}

/** For each sealed run, the manifest hash of the run sealed before it in the same org (null: first). */
function chainExpectations(runs: readonly VerifyRun[]): Map<number, { hash: string | null; runId: number | null }> {
  const sealed = runs.filter((r) => r.seal_seq !== null && isSealedStatus(r.status)).sort((a, b) => a.seal_seq! - b.seal_seq!);
  const lastByOrg = new Map<string, VerifyRun>();
  const expected = new Map<number, { hash: string | null; runId: number | null }>();
  for (const run of sealed) {
    const before = lastByOrg.get(run.org);
    expected.set(run.id, { hash: before?.manifest_hash ?? null, runId: before?.id ?? null });
    lastByOrg.set(run.org, run);
  }
  return expected;
}

function checkSealedRun(
  db: Database,
  run: VerifyRun,
  manifestJson: string | null,
  previous: { hash: string | null; runId: number | null } | null,
  changedSets: ReadonlyMap<number, ChangedEntitySet>,
  say: (kind: Problem['kind'], what: string) => void,
): void {
  if (manifestJson === null || run.manifest_hash === null || run.seal_seq === null || run.finished_at === null) {
    say('manifest', `it is marked ${run.status} but has no complete seal (manifest, manifest hash and finish time)`);
    return;
  }
  if (sha256Hex(manifestJson) !== run.manifest_hash) say('manifest', 'its stored manifest no longer matches its manifest hash');
  let stored: Partial<RunManifest> | null = null;
  try {
    stored = JSON.parse(manifestJson) as Partial<RunManifest>;
  } catch {
    say('manifest', 'its stored manifest is not readable JSON');
  }
  if (stored !== null) checkManifestContent(db, { ...run, finished_at: run.finished_at }, stored, changedSets, say);
  checkChainLink(run, previous, say);
}

function checkManifestContent(
  db: Database,
  run: VerifyRun & { finished_at: string },
  stored: Partial<RunManifest>,
  changedSets: ReadonlyMap<number, ChangedEntitySet>,
  say: (kind: Problem['kind'], what: string) => void,
): void {
  const entities = entityProblem(db, run.id, changedSets, entitiesDigest(db, run.id) === stored.entitiesDigest);
  if (entities !== null) say('entities', entities);
  if (outcomesDigest(db, run.id) !== stored.outcomesDigest) say('outcomes', 'its stream outcomes no longer match the digest in its manifest');

  const rebuilt = buildManifest(db, run);
  const changed = differences(stored, rebuilt);
  if (changed.length > 0) say('manifest', `its stored rows no longer match its manifest (${changed.join('; ')})`);
}

function checkChainLink(run: VerifyRun, previous: { hash: string | null; runId: number | null } | null, say: (kind: Problem['kind'], what: string) => void): void {
  const expected = previous ?? { hash: null, runId: null };
  if (run.previous_manifest_hash !== expected.hash) {
    if (expected.runId === null) {
      say('chain', `its manifest points to an earlier run (manifest ${short(run.previous_manifest_hash)}) of org ${run.org} that is no longer in the database: a run was deleted`);
    } else if (run.previous_manifest_hash === null) {
      say('chain', `its manifest says it is the first run of org ${run.org}, but run ${expected.runId} was sealed before it: a run was inserted or the chain rewritten`);
    } else {
      say('chain', `its manifest points to previous manifest ${short(run.previous_manifest_hash)}, but the run sealed before it (run ${expected.runId}) has ${short(expected.hash)}: a run was deleted or inserted`);
    }
  }
}

/** Names what differs between the stored and the recomputed manifest, digests excepted (reported apart). */
function differences(stored: Partial<RunManifest>, rebuilt: RunManifest): string[] {
  const out: string[] = [];
  for (const key of Object.keys(rebuilt) as Array<keyof RunManifest>) {
    if (key === 'entitiesDigest' || key === 'outcomesDigest') continue;
    if (key === 'pages') {
      const page = firstDifferentPage(stored.pages ?? [], rebuilt.pages);
      if (page) out.push(page);
    } else if (canonicalJson(stored[key] ?? null) !== canonicalJson(rebuilt[key])) {
      out.push(`${key} changed`);
    }
  }
  return out;
}

function firstDifferentPage(stored: readonly unknown[], rebuilt: RunManifest['pages']): string | null {
  for (let i = 0; i < Math.max(stored.length, rebuilt.length); i++) {
    const now = rebuilt[i];
    const then = stored[i] as RunManifest['pages'][number] | undefined;
    if (now && then && canonicalJson(now) === canonicalJson(then)) continue;
    const ref = then ?? now!;
    const name = `page ${ref.seq} of ${ref.instance}/${ref.stream}`;
    if (!now) return `${name} is listed in the manifest but its row is gone`;
    if (!then) return `${name} is stored but not listed in the manifest`;
    return `${name} differs from the manifest`;
  }
  return null;
}

function checkEvaluations(db: Database, problems: Problem[], changedContent: ReadonlySet<number>): number {
  // Without results_json: at 100k users an evaluation's results are megabytes, read one at a time below.
  const rows = db
    .prepare<[], { id: number; run_id: number; evaluated_at: string; params_digest: string; inline: number; results_hash: string; org: string | null; started_at: string | null; status: string | null; manifest_hash: string | null }>(
      `SELECT e.id, e.run_id, e.evaluated_at, e.params_digest, e.results_json <> '' AS inline, e.results_hash, r.org, r.started_at, r.status, r.manifest_hash
       FROM evaluations e LEFT JOIN runs r ON r.id = e.run_id ORDER BY e.id`,
    )
    .all();
  const inlineJson = db.prepare<[number], string>('SELECT results_json FROM evaluations WHERE id = ?').pluck();
  for (const row of rows) {
    const run = { id: row.run_id, org: row.org ?? '(unknown)', started_at: row.started_at ?? 'unknown start' };
    const say = (what: string): void => {
      problems.push({ runId: row.run_id, org: run.org, kind: 'results', detail: `${describeRun(run)}: evaluation ${row.id} ${what}` });
    };
    if (row.org === null) {
      say('belongs to a run that is no longer in the database');
      continue;
    }
    if (row.manifest_hash === null || !isSealedStatus(row.status ?? '')) {
      say(`belongs to a run that is not sealed (status ${row.status}), but only sealed runs are evaluated`);
      continue;
    }
    if (!row.inline) {
      const content = checkResultRows(db, row.id, changedContent);
      const changed = content.changed[0];
      if (content.rows === 0) {
        say('has no stored results: its result rows were deleted');
        continue;
      }
      if (content.missing.length > 0) {
        say(`has lost result ${content.missing[0]! + 1}: its stored content was deleted`);
        continue;
      }
      if (changed) {
        const shared = changed.sharedWith.length > 0 ? ` (the same stored result is also used by evaluation ${changed.sharedWith.join(', evaluation ')})` : '';
        say(`has result ${changed.ordinal + 1} no longer matching its SHA-256 ${short(changed.hash)}${shared}`);
        continue;
      }
    }
    const json = storedResultsJson(db, row.id, row.inline ? (inlineJson.get(row.id) ?? '') : '');
    try {
      JSON.parse(json);
    } catch {
      say('has results that are not readable JSON');
      continue;
    }
    // Over the stored text, exactly as it was hashed when it was written (canonical JSON).
    const recomputed = resultsHashOfJson({ runManifestHash: row.manifest_hash, evaluatedAt: row.evaluated_at, paramsDigest: row.params_digest, resultsJson: json });
    if (recomputed !== row.results_hash) say('no longer matches its results hash');
  }
  return rows.length;
}

function summarise(problems: readonly Problem[], runs: number, pages: number, evaluations: number, pruned: number, cutoff: string | null): string {
  const first = problems[0];
  if (!first) {
    // Pruned pages are said out loud: their hashes are in the chain, but their bodies can no longer be re-hashed.
    const prunedNote = pruned > 0 ? `; ${pruned} page(s) pruned by retention (hash kept, body removed; runs started before ${cutoff ?? 'an unrecorded cutoff'})` : '';
    return `Verified ${runs} run(s), ${pages} page(s) and ${evaluations} evaluation(s): every hash, manifest and chain matches${prunedNote}.`;
  }
  const more = problems.length - 1;
  return `${first.detail}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}.`;
}

function short(hash: string | null): string {
  return hash === null ? '(none)' : `${hash.slice(0, 12)}…`;
}
