import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/canonical-json.ts';
import type { EvidenceStore, RunRecord } from '../evidence-store.ts';
import { evaluatedTypicalRun, inventoriesOf, result, sealTypicalRun } from '../store-test-fixtures.ts';
import { createSqliteHarness, tamper } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

/**
 * Each test edits the database file directly, as someone with access to it could (dropping the
 * append-only triggers first), and checks `verify` finds that exact change.
 */
describe('verify detects tampering', () => {
  let h: SqliteHarness;
  let store: EvidenceStore;
  let runs: RunRecord[];
  const alicePage = (tag: string): string => sha256Hex(`{"value":[{"id":"alice"}],"tag":"${tag}"}`);
  const bobPage = (tag: string): string => sha256Hex(`{"value":[{"id":"bob"}],"tag":"${tag}"}`);

  beforeEach(async () => {
    h = await createSqliteHarness();
    store = await h.open();
    runs = [
      await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'r1'),
      await sealTypicalRun(store, 'beta', '2026-11-20T10:00:00Z', 'b1'),
      await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'r2'),
      await sealTypicalRun(store, 'acme', '2026-11-22T09:00:00Z', 'r3'),
    ];
    await store.recordEvaluation(runs[2]!.id, { evaluatedAt: '2026-11-21T10:00:00Z', paramsDigest: 'p', results: [result('mfa')] });
    const clean = await store.verify();
    expect(clean.ok, clean.message).toBe(true);
  });
  afterEach(async () => h.cleanup());

  function flipOneByte(hash: string): void {
    const raw = h.raw();
    const body = raw.prepare<[string], { body: Buffer }>('SELECT body FROM blobs WHERE hash = ?').get(hash)!.body;
    const changed = Buffer.from(body);
    changed[10] = changed[10]! ^ 0x01;
    raw.close();
    tamper(h, 'UPDATE blobs SET body = ? WHERE hash = ?', changed, hash);
  }

  it('names the run whose page body lost one byte', async () => {
    flipOneByte(bobPage('r2'));
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { runId: runs[2]!.id, org: 'acme', kind: 'page_hash', detail: `run ${runs[2]!.id} (org acme, 2026-11-21T09:00:00Z): page 2 of m365-main/users no longer matches its SHA-256` },
    ]);
    expect(report.message).toBe(`run ${runs[2]!.id} (org acme, 2026-11-21T09:00:00Z): page 2 of m365-main/users no longer matches its SHA-256.`);
  });

  it('names every run sharing a changed body, oldest first', async () => {
    const again = await sealTypicalRun(store, 'beta', '2026-11-23T10:00:00Z', 'r1'); // same bodies as run 1
    flipOneByte(alicePage('r1'));
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[0]!.id, 'page_hash'], [again.id, 'page_hash']]);
    expect(report.problems[0]?.detail).toMatch(new RegExp(`page 1 of m365-main/users no longer matches its SHA-256 \\(the same stored body is also used by run ${again.id}\\)`));
    expect(report.message).toMatch(new RegExp(`^run ${runs[0]!.id} \\(org acme.*\\(and 1 more problem\\)\\.$`));
  });

  it('reports a deleted body as page_missing', async () => {
    tamper(h, 'DELETE FROM blobs WHERE hash = ?', alicePage('r3'));
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[3]!.id, 'page_missing']]);
    expect(report.problems[0]?.detail).toMatch(/page 1 of m365-main\/users is gone/);
  });

  // Runs of one org with the same entities share one stored set, so a changed entity changes the
  // evidence of every run that used it, and each is named (as with a shared page body).
  it('reports a changed entity as entities, naming the stream and every run sharing its set', async () => {
    tamper(h, `UPDATE entity_blobs SET json = replace(json, '"enabled":true', '"enabled":false') WHERE json LIKE '%alice@acme.test%'`);
    const report = await store.verify();
    const acme = [runs[0]!.id, runs[2]!.id, runs[3]!.id];
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual(acme.map((id) => [id, 'entities']));
    expect(report.problems[0]!.detail).toMatch(
      new RegExp(`^run ${acme[0]} \\(org acme, 2026-11-20T09:00:00Z\\): the entities of m365-main/users no longer match their SHA-256 \\(entity set [0-9a-f]{12}…; the same stored set is also used by run ${acme[1]}, run ${acme[2]}\\)$`),
    );
  });

  it('reports one run whose stream was pointed at another stored set', async () => {
    const setOf = (runId: number) => h.raw().prepare<[number], number>(`SELECT set_id FROM run_entity_sets WHERE run_id = ? AND stream = 'users'`).pluck().get(runId)!;
    expect(setOf(runs[1]!.id)).not.toBe(setOf(runs[2]!.id)); // another org's users
    tamper(h, `UPDATE run_entity_sets SET set_id = ? WHERE run_id = ? AND stream = 'users'`, setOf(runs[1]!.id), runs[2]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[2]!.id, 'entities']]);
    expect(report.message).toMatch(/its entities no longer match the digest in its manifest/);
  });

  it('reports a rewritten set hash, though the entities themselves are unchanged', async () => {
    tamper(h, `UPDATE entity_sets SET hash = ? WHERE id = (SELECT set_id FROM run_entity_sets WHERE run_id = ? AND stream = 'access_keys')`, 'f'.repeat(64), runs[1]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[1]!.id, 'entities']]);
    expect(report.message).toMatch(/the entities of aws-prod\/access_keys no longer match their SHA-256/);
  });

  it('reports a changed stream outcome as outcomes', async () => {
    tamper(h, `UPDATE stream_outcomes SET json = replace(json, '"complete"', '"partial"') WHERE run_id = ?`, runs[1]!.id);
    expect((await store.verify()).problems.map((p) => [p.runId, p.kind])).toEqual([[runs[1]!.id, 'outcomes']]);
  });

  it('reports a deleted middle run as a broken chain at the next run of that org', async () => {
    const gone = runs[2]!.id;
    for (const table of ['evaluations', 'pages', 'run_entity_sets', 'stream_outcomes']) tamper(h, `DELETE FROM ${table} WHERE run_id = ?`, gone);
    tamper(h, 'DELETE FROM runs WHERE id = ?', gone);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.org, p.kind])).toEqual([[runs[3]!.id, 'acme', 'chain']]);
    expect(report.problems[0]?.detail).toMatch(new RegExp(`the run sealed before it \\(run ${runs[0]!.id}\\).*a run was deleted or inserted`));
  });

  it('reports a deleted first run as a chain pointing at a missing run', async () => {
    for (const table of ['pages', 'run_entity_sets', 'stream_outcomes']) tamper(h, `DELETE FROM ${table} WHERE run_id = ?`, runs[0]!.id);
    tamper(h, 'DELETE FROM runs WHERE id = ?', runs[0]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[2]!.id, 'chain']]);
    expect(report.problems[0]?.detail).toMatch(/no longer in the database: a run was deleted/);
  });

  it('reports a changed result as results', async () => {
    // Results are stored by content (one row per rule, 008-content-dedup.sql).
    tamper(h, `UPDATE json_blobs SET json = replace(json, '"status":"fail"', '"status":"pass"')`);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[2]!.id, 'results']]);
    expect(report.problems[0]?.detail).toMatch(/evaluation 1 has result 1 no longer matching its SHA-256/);
    expect(report.evaluationsChecked).toBe(1);
  });

  it('reports a changed page row (its URL) against the manifest', async () => {
    tamper(h, `UPDATE pages SET url = 'https://elsewhere.test/' WHERE run_id = ? AND seq = 2`, runs[0]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[0]!.id, 'manifest']]);
    expect(report.problems[0]?.detail).toMatch(/page 2 of m365-main\/users differs from the manifest/);
  });

  it('reports a sealed run relabelled as interrupted', async () => {
    tamper(h, `UPDATE runs SET status = 'interrupted' WHERE id = ?`, runs[2]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[2]!.id, 'manifest'], [runs[2]!.id, 'results'], [runs[3]!.id, 'chain']]);
    // And it no longer counts as evidence: the only evaluated acme run is now "interrupted".
    expect(await store.latestEvaluatedRun('acme')).toBeNull();
  });

  it('reports a rewritten manifest whose hash no longer matches', async () => {
    tamper(h, `UPDATE runs SET manifest_json = replace(manifest_json, '"status":"complete"', '"status":"partial"') WHERE id = ?`, runs[1]!.id);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[runs[1]!.id, 'manifest'], [runs[1]!.id, 'manifest']]);
    expect(report.problems[0]?.detail).toMatch(/no longer matches its manifest hash/);
    expect(report.problems[1]?.detail).toMatch(/status changed/);
  });

  it('lists problems oldest run first', async () => {
    tamper(h, `UPDATE run_entity_sets SET set_id = (SELECT set_id FROM run_entity_sets WHERE run_id = ? AND stream = 'users') WHERE run_id = ? AND stream = 'users'`, runs[1]!.id, runs[3]!.id);
    flipOneByte(bobPage('r1'));
    const report = await store.verify();
    expect(report.problems.map((p) => p.runId)).toEqual([runs[0]!.id, runs[3]!.id]);
    expect(report.problemCount).toBe(2);
    expect(report.message).toMatch(new RegExp(`^run ${runs[0]!.id} \\(org acme, 2026-11-20T09:00:00Z\\): page 2 of m365-main/users`));
  });
});

describe('verify detects tampering with stored inventories', () => {
  let h: SqliteHarness;
  let store: EvidenceStore;
  let run: RunRecord;
  let evaluationId: number;

  beforeEach(async () => {
    h = await createSqliteHarness();
    store = await h.open();
    ({ run, evaluationId } = await evaluatedTypicalRun(store));
    const clean = await store.verify();
    expect(clean.ok, clean.message).toBe(true);
  });
  afterEach(async () => h.cleanup());

  it('refuses updates and deletes of inventories through plain SQL', () => {
    const raw = h.raw();
    expect(() => raw.prepare(`UPDATE inventories SET json = '{}'`).run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM inventories').run()).toThrow(/append-only/);
    raw.close();
  });

  it('names the run, evaluation and inventory whose row was changed', async () => {
    // Someone hides that the leaver still has access.
    tamper(h, `UPDATE json_blobs SET json = replace(json, '"still_enabled"', '"removed"') WHERE id = (SELECT blob_id FROM inventories WHERE kind = 'leavers')`);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { runId: run.id, org: 'acme', kind: 'inventories', detail: `run ${run.id} (org acme, 2026-11-20T09:00:00Z): the leavers inventory of evaluation ${evaluationId} no longer matches its SHA-256 (its stored content was changed)` },
    ]);
  });

  it('reports a deleted inventory row as missing from its evaluation', async () => {
    tamper(h, `DELETE FROM inventories WHERE kind = 'apps'`);
    const report = await store.verify();
    const at = `run ${run.id} (org acme, 2026-11-20T09:00:00Z)`;
    expect(report.problems.map((p) => p.detail)).toEqual([
      `${at}: the accounts inventory of evaluation ${evaluationId} no longer follows the inventory stored before it: stored inventories were deleted or inserted`,
      `${at}: evaluation ${evaluationId} is missing its apps inventory (they are stored together, so one was deleted)`,
    ]);
    await expect(store.loadInventories(evaluationId)).rejects.toThrow(/apps inventory of evaluation .* is missing/);
  });

  it('detects every inventory of an earlier evaluation deleted, by the chain of rows', async () => {
    const later = await store.recordEvaluation(run.id, { evaluatedAt: '2026-11-20T11:00:00Z', paramsDigest: 'p', results: [result('mfa')], inventories: inventoriesOf('acme', run.id, run.startedAt) });
    expect((await store.verify()).ok).toBe(true);
    tamper(h, 'DELETE FROM inventories WHERE evaluation_id = ?', evaluationId);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.detail)).toEqual([
      `run ${run.id} (org acme, 2026-11-20T09:00:00Z): the privileged-access inventory of evaluation ${later.id} no longer follows the inventory stored before it: stored inventories were deleted or inserted`,
    ]);
  });

  it('detects a row moved to another evaluation', async () => {
    const other = await store.recordEvaluation(run.id, { evaluatedAt: '2026-11-20T11:00:00Z', paramsDigest: 'p', results: [result('mfa', { status: 'pass', measured: 1 })] });
    tamper(h, `UPDATE inventories SET evaluation_id = ? WHERE kind = 'accounts'`, other.id);
    const kinds = (await store.verify()).problems.map((p) => p.detail);
    expect(kinds).toContain(`run ${run.id} (org acme, 2026-11-20T09:00:00Z): the accounts inventory of evaluation ${other.id} no longer matches its SHA-256`);
  });
});
