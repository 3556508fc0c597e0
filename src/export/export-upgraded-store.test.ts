import Database from 'better-sqlite3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { resultsHashOfJson } from '../store/sqlite/results-hash.ts';
import { buildExportFixture, type ExportFixture } from './export-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { verifyPackage } from './verify-package.ts';

/**
 * A store kept across an upgrade: its evaluations were written before result fields such as
 * `exceptions` and `notApplicable` existed. Reading them fills those fields with defaults, so
 * re-serialising the parsed results no longer gives the text that was hashed; the export must hand
 * over the evaluation exactly as stored (it used to refuse with "no longer matches its results hash"
 * while `evidentia verify` passed).
 */
describe('export of an evaluation written by an older Evidentia', () => {
  let fx: ExportFixture;
  let out: string;
  let oldText: string;
  const RUN = 5;

  beforeAll(async () => {
    fx = await buildExportFixture();
    const latest = (await fx.store.latestEvaluation(RUN))!;
    const run = (await fx.store.getRun(RUN))!;
    // The results as the first release wrote them: no `exceptions`, no `notApplicable`.
    const old = latest.results.map((r) => {
      const { exceptions: _e, notApplicable: _n, ...rest } = r as typeof r & { exceptions?: unknown; notApplicable?: unknown };
      return rest;
    });
    const resultsJson = canonicalJson(old);
    const evaluatedAt = '2026-10-01T10:00:00.000Z';
    const hash = resultsHashOfJson({ runManifestHash: run.manifestHash!, evaluatedAt, paramsDigest: latest.paramsDigest, resultsJson });
    // Stored inline, as before content dedup (migration 008): the newest evaluation of run 5.
    const raw = new Database(fx.storePath);
    raw.prepare('INSERT INTO evaluations (run_id, evaluated_at, params_digest, results_json, results_hash) VALUES (?, ?, ?, ?, ?)').run(RUN, evaluatedAt, latest.paramsDigest, resultsJson, hash);
    raw.close();
    oldText = `{"evaluatedAt":${JSON.stringify(evaluatedAt)},"paramsDigest":${JSON.stringify(latest.paramsDigest)},"results":${resultsJson},"runManifestHash":${JSON.stringify(run.manifestHash)}}`;
    out = join(fx.dir, 'package');
  }, 30_000);
  afterAll(async () => fx.cleanup());

  it('the store hands the evaluation over exactly as hashed, not as re-serialised with new defaults', async () => {
    expect((await fx.store.verify()).ok).toBe(true);
    const evaluation = (await fx.store.latestEvaluation(RUN))!;
    expect(evaluation.results[0]).toMatchObject({ exceptions: [], notApplicable: false });
    const text = await fx.store.getEvaluationText(evaluation.id);
    expect(text).toBe(oldText);
    expect(sha256Hex(text)).toBe(evaluation.resultsHash);
    await expect(fx.store.getEvaluationText(9999)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('exports it byte for byte, and the package verifies', async () => {
    await fx.exportTo(out);
    const file = await readFile(join(out, `evaluations/run-${RUN}.json`), 'utf8');
    expect(file).toBe(oldText);
    expect(verifyPackage(await readPackage(out)).problems).toEqual([]);
  });
});
