import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';
import type { RuleResult } from '../../src/core/rule.ts';
import { loadConfig } from '../../src/config/agent-config.ts';
import { loadConnectorRegistry } from '../../src/collect/connector-registry.ts';
import { validateConfigUpFront } from '../../src/run/validate-config.ts';

/**
 * The README's commands, run as a newcomer would: the real bin in a child process, the demo's
 * local Graph double over HTTPS, a real SQLite file. Nothing here is mocked.
 */
describe('evidentia CLI end to end', () => {
  let dir: string;
  let demo: CliResult;
  const config = () => join(dir, 'demo', 'demo.yaml');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-e2e-'));
    demo = await runCli(['demo', '--dir', join(dir, 'demo')], { cwd: dir });
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('demo collects the simulated tenant, prints a results table a person can act on, and exits 0', () => {
    expect(demo.stderr).toContain('Collecting evidence for contoso');
    expect(demo.stderr).toMatch(/m365-demo\/users: complete/);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/Rule\s+Annex A\s+Status\s+Measured\s+Threshold\s+Summary/);
    expect(demo.stdout).toMatch(/mfa-coverage\s+A\.5\.17 A\.8\.5\s+FAIL/);
    expect(demo.stdout).toMatch(/admin-mfa\s+A\.8\.2 A\.8\.5\s+FAIL/);
    // Failing subjects say who and why.
    expect(demo.stdout).toMatch(/✗ \S+@contoso\.onmicrosoft\.com \(m365-demo\): Global Administrator \(active\) without any MFA method registered/);
    expect(demo.stdout).toContain('manifest sha256');
    // The simulated AWS organisation's dev account has a root user without MFA and with a key.
    expect(demo.stdout).toMatch(/root-account\s+A\.8\.2 A\.8\.5\s+FAIL/);
    expect(demo.stdout).toMatch(/✗ AWS account 222222222222 \(root user\) \(aws-demo\): root user without MFA; root user has an active access key/);
  });

  it('results --json gives the same verdicts, with measured values that match the simulated tenant', async () => {
    const res = await runCli(['results', '-c', config(), '--json']);
    expect(res.code).toBe(3); // findings
    const [org] = JSON.parse(res.stdout) as { org: string; runId: number; results: RuleResult[] }[];
    expect(org!.org).toBe('contoso');
    const coverage = org!.results.find((r) => r.ruleId === 'mfa-coverage')!;
    const tenant = generateTenant({ users: 60 });
    expect(coverage.status).toBe('fail');
    // Future hires are not yet people at work: the rule excludes them, the scenario counts them as members.
    const a = tenant.scenario.accounts;
    const notHuman = new Set([...a.service, ...a.breakGlass, ...a.futureHires]);
    const humansWithoutMfa = a.membersWithoutMfa.filter((u) => !notHuman.has(u)).sort();
    const humans = tenant.scenario.counts.enabledHumanMembers - a.futureHires.length;
    const m365 = (x: { instance: string }) => x.instance === 'm365-demo';
    expect(coverage.subjects.filter((x) => x.status === 'fail' && m365(x)).map((x) => x.label).sort()).toEqual(humansWithoutMfa);
    expect(coverage.breakdown.find((b) => b.scope === 'm365-demo')!.measured).toBeCloseTo(1 - humansWithoutMfa.length / humans, 9);
    expect(coverage.evidence.length).toBeGreaterThan(0);
    const admin = org!.results.find((r) => r.ruleId === 'admin-mfa')!;
    const failing = admin.subjects.filter((s) => s.status === 'fail' && m365(s)).map((s) => s.label).sort();
    const expected = [...tenant.scenario.accounts.privilegedWithoutMfa, ...tenant.scenario.accounts.eligiblePrivilegedWithoutMfa];
    expect(failing).toEqual([...new Set(expected)].sort());
  });

  it('runs lists the sealed run with its manifest hash', async () => {
    const res = await runCli(['runs', '-c', config()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^1\s+contoso\s+(complete|partial)\s/m);
  });

  it('evaluate --run re-evaluates offline to identical results', async () => {
    const res = await runCli(['evaluate', '-c', config(), '--run', '1']);
    expect(res.stdout).toContain('identical to the evaluation');
    expect(res.code).toBe(3);
  });

  it('verify passes on untouched evidence, then names the run after one stored byte changes', async () => {
    const ok = await runCli(['verify', '-c', config()]);
    expect(ok.stdout).toMatch(/^OK: /);
    expect(ok.code).toBe(0);

    const db = new Database(join(dir, 'demo', 'demo.db'));
    for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()) db.exec(`DROP TRIGGER "${name}"`);
    const blob = db.prepare<[], { hash: string; body: Buffer }>('SELECT hash, body FROM blobs ORDER BY hash LIMIT 1').get()!;
    const body = Buffer.from(blob.body);
    const at = Math.floor(body.length / 2);
    body.writeUInt8(body.readUInt8(at) ^ 0x01, at);
    db.prepare('UPDATE blobs SET body = ? WHERE hash = ?').run(body, blob.hash);
    db.close();

    const bad = await runCli(['verify', '-c', config()]);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/TAMPERED: run 1 \(org contoso/);
  });

  it('an unlicensed tenant yields not_evaluable with the reason, never pass', async () => {
    const res = await runCli(['demo', '--dir', join(dir, 'unlicensed'), '--unlicensed'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/m365-demo\/mfa-registration: failed.*unlicensed/);
    const json = await runCli(['results', '-c', join(dir, 'unlicensed', 'demo.yaml'), '--json']);
    const [org] = JSON.parse(json.stdout) as { results: RuleResult[] }[];
    for (const id of ['mfa-coverage', 'admin-mfa']) {
      const r = org!.results.find((x) => x.ruleId === id)!;
      expect(r.status, id).toBe('not_evaluable');
      expect(r.reasons.join(' ')).toMatch(/Entra ID P1 or P2/);
    }
  }, 60_000);

  it('a config error exits 2 with one line naming the key path', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'organisations:\n  - id: acme\n    name: Acme\n    connectors:\n      - type: m365\n        id: m365-main\n        tenantId: not-a-guid\n');
    const res = await runCli(['collect', '-c', bad]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^evidentia: organisations\[0\]\.connectors\[0\]\.tenantId: /);
  });

  it('a missing config file exits 2 and says how to make one', async () => {
    const res = await runCli(['runs', '-c', join(dir, 'nope.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/does not exist; create one with `evidentia init`/);
  });

  it('init writes a commented example that validates, and refuses to overwrite it', async () => {
    const out = join(dir, 'evidentia.yaml');
    const first = await runCli(['init', '--out', out]);
    expect(first.code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('# Evidentia configuration');
    // The example is valid as written: the config schema and every connector block and rule
    // parameter accept it (nothing is contacted; read-only commands would refuse the missing store).
    const { config } = await loadConfig(out);
    const registry = await loadConnectorRegistry();
    expect(() => validateConfigUpFront(config, registry)).not.toThrow();
    const again = await runCli(['init', '--out', out]);
    expect(again.code).toBe(2);
  });

  it('creates the evidence database readable by its owner only', async () => {
    const mode = (await stat(join(dir, 'demo', 'demo.db'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('an unknown command or option exits 2', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['runs', '--bogus'])).code).toBe(2);
  });
});
