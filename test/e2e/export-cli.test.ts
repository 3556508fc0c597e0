import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

/** `evidentia keys init`, `export` and `verify <package>` as an organisation and its auditor run them, on the demo's stored evidence. */
describe('evidentia export end to end (demo)', () => {
  let dir: string;
  const config = () => join(dir, 'demo', 'demo.yaml');
  const today = () => new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-export-e2e-'));
    const demo = await runCli(['demo', '--dir', join(dir, 'demo')], { cwd: dir });
    expect(demo.code, demo.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('refuses to export without a signing key, saying how to make one (exit 2), and writes nothing', async () => {
    const res = await runCli(['export', '-c', config(), '--from', '2026-01-01', '--to', today(), '--out', join(dir, 'nokey')]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^evidentia: no signing key at .*export-signing-key\.pem; run `evidentia keys init` first/)]);
    await expect(stat(join(dir, 'nokey'))).rejects.toThrow();
  });

  it('keys init makes the pair next to the store, private key 0600, and will not replace it', async () => {
    const res = await runCli(['keys', 'init', '-c', config()]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/fingerprint: sha256:[0-9a-f]{64}/);
    expect((await stat(join(dir, 'demo', 'keys', 'export-signing-key.pem'))).mode & 0o777).toBe(0o600);
    const again = await runCli(['keys', 'init', '-c', config()]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('exports a folder and a zip that the auditor verifies offline with the pinned public key', async () => {
    const publicKey = join(dir, 'demo', 'keys', 'export-signing-key.pub.pem');
    for (const out of [join(dir, 'audit'), join(dir, 'audit.zip')]) {
      const res = await runCli(['export', '-c', config(), '--org', 'contoso', '--from', '2026-01-01', '--to', today(), '--out', out]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/1 sealed run \(1 evaluated\)/);
      // The auditor needs no config and no store.
      const ok = await runCli(['verify', out, '--key', publicKey], { cwd: tmpdir() });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^OK: .*the signature is valid/);
      expect(ok.stdout).toContain('signed by the pinned key sha256:');
    }
    const results = JSON.parse(await readFile(join(dir, 'audit', 'results.json'), 'utf8')) as { runs: { runId: number }[]; latest: { results: { ruleId: string; status: string }[] } };
    expect(results.runs.map((r) => r.runId)).toEqual([1]);
    expect(results.latest.results.find((r) => r.ruleId === 'leaver-access')!.status).toBe('fail');
    // The population lists come from the inventories stored with the run: the demo's leaver, 30 h
    // after leaving, with her enabled Google account and her active AWS key.
    const leavers = (await readFile(join(dir, 'audit', 'leavers.csv'), 'utf8')).split('\r\n').filter((l) => l.includes('Henrietta'));
    expect(leavers.some((l) => l.startsWith('google-demo,') && l.includes('still_enabled'))).toBe(true);
    expect(leavers.some((l) => l.startsWith('aws-demo,') && l.includes('access key …#1 active'))).toBe(true);
  });

  it('verify exits 4 and names the file when the package was changed, and names both keys when another key is pinned', async () => {
    const csv = join(dir, 'audit', 'statement-of-applicability.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replaceAll(',fail', ',pass'));
    const bad = await runCli(['verify', join(dir, 'audit')]);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/^TAMPERED: /);
    expect(bad.stdout).toContain('modified: statement-of-applicability.csv was modified');

    const other = join(dir, 'other.pem');
    await writeFile(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const wrongKey = await runCli(['verify', join(dir, 'audit.zip'), '--key', other]);
    expect(wrongKey.code).toBe(4);
    expect(wrongKey.stdout).toMatch(/key: the package was signed with key sha256:[0-9a-f]{64}, not with the pinned key sha256:[0-9a-f]{64}/);
  });

  it('exports to `--out audit-2026/` (trailing slash) as the folder audit-2026, which verifies', async () => {
    const res = await runCli(['export', '-c', config(), '--from', '2026-01-01', '--to', today(), '--out', `${join(dir, 'audit-2026')}/`]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Wrote ${join(dir, 'audit-2026')}:`);
    const ok = await runCli(['verify', join(dir, 'audit-2026')]);
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('plain verify still checks the store', async () => {
    const res = await runCli(['verify', '-c', config()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^OK: 1 runs/);
  });

  it('a bad date exits 2 with one line naming the flag', async () => {
    const bad = await runCli(['export', '-c', config(), '--from', '2026-02-30', '--to', today(), '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('--from 2026-02-30: expected a date as YYYY-MM-DD')]);
  });
});
