import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonical-json.ts';
import type { EvidenceStore, RunRecord } from '../evidence-store.ts';
import { inventoriesOf, result, sealTypicalRun } from '../store-test-fixtures.ts';
import { inventoryRowHash } from './inventories.ts';
import { resultsHash } from './results-hash.ts';
import { INVENTORY_KINDS } from '../../inventory/inventory-schema.ts';
import { createSqliteHarness, tamper } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

/**
 * Results and inventories are stored once by content (008-content-dedup.sql): a second run on an
 * unchanged tenant must add only references, and still read back and verify exactly as before.
 */
describe('results and inventories stored by content', () => {
  let h: SqliteHarness;
  let store: EvidenceStore;
  let runs: RunRecord[];

  beforeEach(async () => {
    h = await createSqliteHarness();
    store = await h.open();
    runs = [await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'r1'), await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'r1')];
  });
  afterEach(async () => h.cleanup());

  const count = (sql: string): number => {
    const raw = h.raw();
    const n = raw.prepare<[], number>(sql).pluck().get()!;
    raw.close();
    return n;
  };
  const evaluate = (run: RunRecord, at: string, results = [result('mfa'), result('admin-mfa', { status: 'pass', subjects: [], measured: 1 })]) =>
    store.recordEvaluation(run.id, { evaluatedAt: at, paramsDigest: 'p', results, inventories: inventoriesOf('acme', run.id, run.startedAt) });

  it('stores an unchanged run\'s results and inventories once, and reads both evaluations back whole', async () => {
    const first = await evaluate(runs[0]!, '2026-11-20T10:00:00Z');
    const contentAfterFirst = count('SELECT count(*) FROM json_blobs');
    const bytesAfterFirst = count('SELECT sum(length(json)) FROM json_blobs');
    const second = await evaluate(runs[1]!, '2026-11-21T10:00:00Z');

    // 2 results + 5 inventory kinds (identical contents once), none stored again; only the links are new.
    expect(contentAfterFirst).toBeGreaterThanOrEqual(3);
    expect(count('SELECT count(*) FROM json_blobs')).toBe(contentAfterFirst);
    expect(count('SELECT sum(length(json)) FROM json_blobs')).toBe(bytesAfterFirst);
    expect(count(`SELECT count(*) FROM evaluations WHERE results_json <> ''`)).toBe(0);

    expect((await store.latestEvaluation(runs[0]!.id))?.results).toEqual(first.results);
    expect((await store.latestEvaluation(runs[1]!.id))?.results).toEqual(second.results);
    expect(second.resultsHash).not.toBe(first.resultsHash); // bound to its own run and time
    expect(await store.loadInventories(second.id)).toEqual(inventoriesOf('acme', runs[1]!.id, runs[1]!.startedAt));
    const report = await store.verify();
    expect(report.ok, report.message).toBe(true);
    expect(report.evaluationsChecked).toBe(2);
  });

  it('keeps the results hash as it was defined: over the run manifest, time, parameters and the results array', async () => {
    const results = [result('mfa'), result('admin-mfa')];
    const ev = await evaluate(runs[0]!, '2026-11-20T10:00:00Z', results);
    expect(ev.resultsHash).toBe(resultsHash({ runManifestHash: runs[0]!.manifestHash!, evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'p', results: ev.results }));
  });

  it('stores a changed rule result as new content next to the unchanged one', async () => {
    await evaluate(runs[0]!, '2026-11-20T10:00:00Z');
    const before = count('SELECT count(*) FROM json_blobs');
    await evaluate(runs[1]!, '2026-11-21T10:00:00Z', [result('mfa', { summary: 'changed' }), result('admin-mfa', { status: 'pass', subjects: [], measured: 1 })]);
    expect(count('SELECT count(*) FROM json_blobs')).toBe(before + 1);
  });

  it('refuses updates and deletes of stored content and result links through plain SQL', async () => {
    await evaluate(runs[0]!, '2026-11-20T10:00:00Z');
    const raw = h.raw();
    expect(() => raw.prepare(`UPDATE json_blobs SET json = '{}'`).run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM json_blobs').run()).toThrow(/append-only/);
    expect(() => raw.prepare('UPDATE evaluation_results SET blob_id = 1').run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM evaluation_results').run()).toThrow(/append-only/);
    raw.close();
  });

  it('names every evaluation using a changed shared result', async () => {
    const first = await evaluate(runs[0]!, '2026-11-20T10:00:00Z');
    const second = await evaluate(runs[1]!, '2026-11-21T10:00:00Z');
    tamper(h, `UPDATE json_blobs SET json = replace(json, '"status":"fail"', '"status":"pass"') WHERE json LIKE '%"ruleId":"mfa"%'`);
    const report = await store.verify();
    const results = report.problems.filter((p) => p.kind === 'results');
    expect(results.map((p) => p.runId)).toEqual([runs[0]!.id, runs[1]!.id]);
    expect(results[0]!.detail).toMatch(new RegExp(`evaluation ${first.id} has result 1 no longer matching its SHA-256 .*\\(the same stored result is also used by evaluation ${second.id}\\)`));
    expect(results[1]!.detail).toMatch(new RegExp(`evaluation ${second.id} has result 1 no longer matching its SHA-256 .*\\(the same stored result is also used by evaluation ${first.id}\\)`));
    // The inventories of both evaluations still verify: they do not share the changed row.
    expect(report.problems.filter((p) => p.kind === 'inventories')).toEqual([]);
  });

  it('names an evaluation whose result rows were deleted, and one pointed at other content', async () => {
    const first = await evaluate(runs[0]!, '2026-11-20T10:00:00Z');
    const second = await evaluate(runs[1]!, '2026-11-21T10:00:00Z');
    tamper(h, 'DELETE FROM evaluation_results WHERE evaluation_id = ?', first.id);
    tamper(h, 'UPDATE evaluation_results SET blob_id = (SELECT blob_id FROM evaluation_results WHERE evaluation_id = ? AND ordinal = 1) WHERE evaluation_id = ? AND ordinal = 0', second.id, second.id);
    const details = (await store.verify()).problems.map((p) => p.detail);
    expect(details).toEqual([
      `run ${runs[0]!.id} (org acme, 2026-11-20T09:00:00Z): evaluation ${first.id} has no stored results: its result rows were deleted`,
      `run ${runs[1]!.id} (org acme, 2026-11-21T09:00:00Z): evaluation ${second.id} no longer matches its results hash`,
    ]);
  });

  it('still reads and verifies results stored inline before 008, and detects a change to them', async () => {
    const results = [result('mfa')];
    const inline = canonicalJson(results);
    const hash = resultsHash({ runManifestHash: runs[0]!.manifestHash!, evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'p', results });
    const raw = h.raw();
    raw.prepare('INSERT INTO evaluations (run_id, evaluated_at, params_digest, results_json, results_hash) VALUES (?, ?, ?, ?, ?)').run(runs[0]!.id, '2026-11-20T10:00:00Z', 'p', inline, hash);
    raw.close();
    expect((await store.latestEvaluation(runs[0]!.id))?.results).toEqual(results);
    expect((await store.verify()).ok).toBe(true);
    tamper(h, `UPDATE evaluations SET results_json = replace(results_json, '"status":"fail"', '"status":"pass"')`);
    const report = await store.verify();
    expect(report.problems.map((p) => [p.runId, p.kind, p.detail.replace(/.*: /, '')])).toEqual([[runs[0]!.id, 'results', 'evaluation 1 no longer matches its results hash']]);
  });

  it('still reads and verifies inventories stored inline before 008, and detects a change to them', async () => {
    const results = [result('mfa')];
    const evaluatedAt = '2026-11-20T10:00:00Z';
    const hash = resultsHash({ runManifestHash: runs[0]!.manifestHash!, evaluatedAt, paramsDigest: 'p', results });
    const inventories = inventoriesOf('acme', runs[0]!.id, runs[0]!.startedAt);
    const raw = h.raw();
    // As the store wrote them before 008: JSON in the row, no content row.
    const id = Number(raw.prepare('INSERT INTO evaluations (run_id, evaluated_at, params_digest, results_json, results_hash) VALUES (?, ?, ?, ?, ?)').run(runs[0]!.id, evaluatedAt, 'p', canonicalJson(results), hash).lastInsertRowid);
    let previous: string | null = null;
    for (const kind of INVENTORY_KINDS) {
      const json = canonicalJson(inventories[kind]);
      const sha256 = inventoryRowHash({ evaluationId: id, kind, resultsHash: hash, json, previous });
      raw.prepare('INSERT INTO inventories (evaluation_id, kind, json, sha256, previous_sha256) VALUES (?, ?, ?, ?, ?)').run(id, kind, json, sha256, previous);
      previous = sha256;
    }
    raw.close();
    // A new evaluation chains to the inline rows.
    await evaluate(runs[1]!, '2026-11-21T10:00:00Z');
    expect(await store.loadInventories(id)).toEqual(inventories);
    const clean = await store.verify();
    expect(clean.ok, clean.message).toBe(true);
    tamper(h, `UPDATE inventories SET json = replace(json, '"still_enabled"', '"removed"') WHERE kind = 'leavers' AND evaluation_id = ?`, id);
    expect((await store.verify()).problems.map((p) => p.detail.replace(/.*: /, ''))).toEqual([`the leavers inventory of evaluation ${id} no longer matches its SHA-256`]);
  });
});
