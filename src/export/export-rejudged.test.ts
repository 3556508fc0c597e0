import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import { sha256Hex } from '../core/canonical-json.ts';
import { parseConfigText } from '../config/agent-config.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import { buildExportFixture, type ExportFixture } from './export-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { exportResults } from './results-format.ts';
import { verifyPackage } from './verify-package.ts';

/** `evaluate --run 5` months later with a lenient threshold must not turn the period's failure into a silent pass. */
describe('a run judged again after the period', () => {
  let fx: ExportFixture;
  let out: string;
  beforeAll(async () => {
    fx = await buildExportFixture();
    const lenient = parseConfigText(`${await readFile(fx.configFile, 'utf8')}\nrules:\n  mfa-coverage: { threshold: 0 }\n`, fx.configFile);
    await evaluateStoredRun(fx.store, 5, lenient, allRules, () => new Date('2027-03-01T10:00:00.000Z'));
    out = join(fx.dir, 'package');
    await fx.exportTo(out);
  }, 30_000);
  afterAll(async () => fx.cleanup());

  it('flags the run in results.json with both verdicts and carries its first evaluation, verifiably', async () => {
    const results = exportResults.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    const run5 = results.runs.find((r) => r.runId === 5)!;
    expect(run5.rejudged).toMatchObject({ reasons: ['params_changed', 'evaluated_after_period'], evaluations: 2, first: { file: 'evaluations/run-5-first.json' } });
    expect(run5.rejudged!.changed).toContainEqual({ ruleId: 'mfa-coverage', first: 'fail', latest: 'pass' });
    expect(sha256Hex(await readFile(join(out, 'evaluations/run-5-first.json')))).toBe(run5.rejudged!.first.resultsHash);
    // Runs evaluated once, at the time, are not flagged.
    expect(results.runs.filter((r) => r.rejudged).map((r) => r.runId)).toEqual([5]);
    expect(results.gaps).toContainEqual(expect.objectContaining({ kind: 'rejudged', runId: 5, detail: expect.stringContaining('mfa-coverage fail then pass') }));
    expect(verifyPackage(await readPackage(out)).problems).toEqual([]);
  });

  it('says so in the report, next to the run and among the gaps', async () => {
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('judged again after the fact: first evaluation 2026-10-01T09:00:00.000Z');
    expect(html).toMatch(/<td>rejudged<\/td><td>5<\/td><td>run 5 was last evaluated with other parameters than its first evaluation and after the period ended/);
  });
});
