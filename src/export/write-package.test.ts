import { generateKeyPairSync } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex as sha256 } from '../core/canonical-json.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { buildExportedFixture, type ExportedFixture } from './export-test-fixtures.ts';
import { packageManifest, signManifest } from './package-manifest.ts';
import { readPackage } from './package-reader.ts';
import { exportResults } from './results-format.ts';
import { verifyPackage } from './verify-package.ts';
import { PRIVATE_KEY_FILE } from './signing-keys.ts';


describe('export package', () => {
  let fx: ExportedFixture;
  let out: string;
  beforeAll(async () => {
    fx = await buildExportedFixture();
    out = fx.out;
  }, 30_000);
  afterAll(async () => fx.cleanup());

  const copy = (name: string): Promise<string> => fx.copy(name);

  it('holds the reports, the run manifests and evaluations of the sealed runs in the period, and the public key but never the private one', async () => {
    const pkg = await readPackage(out);
    const [, inside, , interrupted, , last] = fx.runIds;
    expect(pkg.paths).toEqual(
      [
        'evaluations/run-2.json', 'evaluations/run-3.json', 'evaluations/run-5.json', 'evaluations/run-6.json',
        'exceptions.csv', 'manifest.json', 'manifests/run-2.json', 'manifests/run-3.json', 'manifests/run-5.json', 'manifests/run-6.json',
        'oscal-assessment-results.json', 'public-key.pem', 'report.html', 'results.json', 'statement-of-applicability.csv',
        // The population lists from the inventories stored with the period's last evaluation.
        'accounts.csv', 'privileged-access.csv', 'app-grants.csv', 'leavers.csv', 'review-population.csv', 'inventory-status.csv',
      ].sort(),
    );
    expect(inside).toBe(2);
    expect(last).toBe(6);
    const privatePem = await readFile(join(fx.keyDir, PRIVATE_KEY_FILE), 'utf8');
    for (const p of pkg.paths) expect(Buffer.from(pkg.read(p, Infinity)!).toString('utf8'), p).not.toContain(privatePem.split('\n')[1]);
    expect(Buffer.from(pkg.read('public-key.pem', Infinity)!).toString()).toBe(fx.key.publicKeyPem);

    const results = exportResults.parse(JSON.parse(Buffer.from(pkg.read('results.json', Infinity)!).toString()));
    expect(results.runs.map((r) => r.runId)).toEqual([2, 3, 5, 6]);
    expect(results.interruptedRuns.map((r) => r.runId)).toEqual([interrupted]);
    expect(results.gaps.some((g) => g.kind === 'interrupted' && g.runId === interrupted)).toBe(true);
    // Run 6 had no MFA stream: not evaluable, listed as a gap, and the controls it evidences are not "pass".
    expect(results.gaps.some((g) => g.kind === 'not_evaluable' && g.runId === 6)).toBe(true);
    expect(results.latest!.runId).toBe(6);
    expect(results.controls.find((c) => c.control === 'ISO27001:2022/A.5.17')!.result).toBe('fail');
    expect(results.exceptions).toEqual([expect.objectContaining({ rule: 'mfa-coverage', subject: 'cy@contoso.com', approvedBy: 'ciso@contoso.com', expires: '2030-12-31', status: 'in_force' })]);
  });

  it('writes each run manifest exactly as hashed, and each evaluation as the text its results hash covers', async () => {
    const store = await openSqliteStore(fx.storePath, { mustExist: true });
    try {
      for (const id of [2, 3, 5, 6]) {
        const run = (await store.getRun(id))!;
        const manifest = await readFile(join(out, `manifests/run-${id}.json`));
        expect(sha256(manifest)).toBe(run.manifestHash);
        const evaluation = (await store.latestEvaluation(id))!;
        expect(sha256(await readFile(join(out, `evaluations/run-${id}.json`)))).toBe(evaluation.resultsHash);
      }
    } finally {
      await store.close();
    }
  });

  it('signs the manifest: verify passes, with the package key and with the pinned key', async () => {
    const pkg = await readPackage(out);
    const plain = verifyPackage(pkg);
    expect(plain.problems).toEqual([]);
    expect(plain.ok).toBe(true);
    expect(plain.runsChecked).toBe(4);
    expect(plain.keyFingerprint).toBe(fx.key.fingerprint);
    const pinned = verifyPackage(pkg, { pinnedKeyPem: fx.key.publicKeyPem });
    expect(pinned).toMatchObject({ ok: true, pinned: true });
    const manifest = packageManifest.parse(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.signed.chain).toMatchObject({ previousOfFirst: (await readJson(join(out, 'manifests/run-2.json'))).previousManifestHash });
    expect(manifest.signed.files.map((f) => f.path)).not.toContain('manifest.json');
  });

  it('names the pinned key and the signer when the package was signed by another key', async () => {
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const report = verifyPackage(await readPackage(out), { pinnedKeyPem: other });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toEqual(['key', 'signature']);
    expect(report.problems[0]!.detail).toMatch(new RegExp(`signed with key ${fx.key.fingerprint}, not with the pinned key sha256:[0-9a-f]{64}`));
  });

  it('fails a modified, a missing and an added file, naming each', async () => {
    const dir = await copy('tampered');
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    await writeFile(join(dir, 'report.html'), html.replace('fail', 'pass'));
    await rm(join(dir, 'exceptions.csv'));
    await writeFile(join(dir, 'manifests', 'run-4.json'), '{}');
    const report = verifyPackage(await readPackage(dir));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'missing', file: 'exceptions.csv', detail: 'exceptions.csv is missing (listed in manifest.json)' }),
      expect.objectContaining({ kind: 'modified', file: 'report.html', detail: expect.stringMatching(/^report\.html was modified: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/) }),
      expect.objectContaining({ kind: 'added', file: 'manifests/run-4.json', detail: 'manifests/run-4.json was added: it is not listed in manifest.json' }),
    ]);
  });

  it('fails a manifest.json whose content changed after signing', async () => {
    const dir = await copy('resigned');
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { signed: { period: { from: string } } };
    m.signed.period.from = '2026-01-01T00:00:00.000Z';
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    const report = verifyPackage(await readPackage(dir));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'signature', file: 'manifest.json' })]);
  });

  it('fails a chain with a run left out, even when the manifest is re-signed with the right key', async () => {
    const dir = await copy('chain');
    const m = packageManifest.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
    const runs = m.signed.chain.runs.filter((r) => r.runId !== 3);
    const files = m.signed.files.filter((f) => f.path !== 'manifests/run-3.json' && f.path !== 'evaluations/run-3.json');
    await rm(join(dir, 'manifests/run-3.json'));
    await rm(join(dir, 'evaluations/run-3.json'));
    // results.json still lists run 3; drop it there too so only the chain can tell.
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as { runs: { runId: number }[] };
    results.runs = results.runs.filter((r) => r.runId !== 3);
    const text = JSON.stringify(results);
    await writeFile(join(dir, 'results.json'), text);
    const resultsEntry = files.find((f) => f.path === 'results.json')!;
    Object.assign(resultsEntry, { sha256: sha256(text), bytes: Buffer.byteLength(text) });
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(signManifest({ ...m.signed, files, chain: { ...m.signed.chain, runs } }, fx.key)));
    const report = verifyPackage(await readPackage(dir));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'chain', file: 'manifests/run-5.json', detail: expect.stringContaining('run 5 links to') })]);
    expect(report.problems[0]!.detail).toContain('a run is missing or out of place');
  });

  it('writes a zip with the same files that verifies, and never writes over an existing package', async () => {
    const zip = join(fx.dir, 'package.zip');
    await fx.exportTo(zip);
    const fromZip = await readPackage(zip);
    expect(verifyPackage(fromZip).ok).toBe(true);
    expect(fromZip.paths).toEqual((await readPackage(out)).paths);
    const before = await stat(zip);
    await expect(fx.exportTo(zip)).rejects.toThrow(/already exists/);
    expect((await stat(zip)).mtimeMs).toBe(before.mtimeMs);
    expect((await readdir(fx.dir)).filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it('writes the exceptions and the statement of applicability as CSV an auditor can sample, with a row per Annex A control', async () => {
    const exceptions = await readFile(join(out, 'exceptions.csv'), 'utf8');
    expect(exceptions.split('\r\n')[0]).toBe('rule,subject,reason,approver,expires,status,failing_subjects_covered');
    // The period's last run could not evaluate MFA, so the exception covered no failure there.
    expect(exceptions).toContain('mfa-coverage,cy@contoso.com,hardware token on order,ciso@contoso.com,2030-12-31,in_force,0');
    const soa = (await readFile(join(out, 'statement-of-applicability.csv'), 'utf8')).trim().split('\r\n');
    expect(soa[0]).toContain('control,title,rules,result_in_period');
    expect(soa[0]).toContain('evaluated_runs,days_without_evaluated_run,longest_gap_hours');
    // Four evaluated runs between 28 September and 6 October cover little of September and October:
    // no control of this period reads as a plain pass.
    expect(soa.slice(1).map((l) => l.split(',')[3])).not.toContain('pass');
    expect(soa.find((l) => l.startsWith('A.6.5,'))).toMatch(/^A\.6\.5,Responsibilities after termination or change of employment,leaver-access,(fail|pass|not_evaluable)/);
    // Every Annex A control of a built-in rule has a row.
    expect(soa.map((l) => l.split(',')[0])).toEqual(expect.arrayContaining(['A.5.16', 'A.5.17', 'A.5.18', 'A.8.2', 'A.8.5', 'A.5.23']));
  });

  it('exports a period without any run as such: verifiable, every control "no_evidence", nothing reads as passing', async () => {
    const empty = join(fx.dir, 'empty');
    const summary = await fx.exportTo(empty, { period: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' } });
    expect(summary).toMatchObject({ runs: 0, lastManifestHash: null });
    expect(verifyPackage(await readPackage(empty)).ok).toBe(true);
    const results = exportResults.parse(JSON.parse(await readFile(join(empty, 'results.json'), 'utf8')));
    expect(results.gaps[0]).toMatchObject({ kind: 'no_runs', detail: expect.stringContaining('nothing passed') });
    expect(new Set(results.controls.map((c) => c.result))).toEqual(new Set(['no_evidence']));
    expect(await readFile(join(empty, 'report.html'), 'utf8')).not.toMatch(/data-status="pass"/);
  });
});

async function readJson(path: string): Promise<{ previousManifestHash?: string | null }> {
  return JSON.parse(await readFile(path, 'utf8')) as { previousManifestHash?: string | null };
}
