import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateDoubleTls, generateTenant, m365ConfigBlock, startGraphDouble, type DoubleTlsMaterial, type GraphDouble, type GraphQuirks } from '../../fixtures/m365/index.ts';
import { runCli } from '../support/run-cli.ts';

/** Resolves once the collector has asked the double for a second page of users. */
function pagesArriving(double: GraphDouble): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (double.requests.filter((r) => r.path === '/v1.0/users').length >= 2) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
}

/**
 * The path a real customer takes: their own YAML config, a secret in the environment, a CA file
 * (as behind a TLS-inspecting proxy), `check` then `collect`. The tenant is the local Graph double.
 */
describe('check and collect with a user-written config', () => {
  let dir: string;
  let tls: DoubleTlsMaterial;
  const SECRET_ENV = 'E2E_M365_SECRET';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-real-'));
    tls = await generateDoubleTls();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function setup(name: string, quirks: Partial<GraphQuirks> = {}, users = 40): Promise<{ double: GraphDouble; config: string; env: Record<string, string> }> {
    const double = await startGraphDouble({ tenant: generateTenant({ users }), quirks, tls });
    const caFile = join(dir, `${name}-ca.pem`);
    await writeFile(caFile, double.ca);
    const config = join(dir, `${name}.yaml`);
    await writeFile(
      config,
      stringify({
        store: { path: `${name}.db` },
        // The double has no quota; real budgets (4 report pages per 10 s) would make this test slow.
        http: { caFile, pacing: { 'graph-signin': { intervalCap: 50, intervalMs: 1000 }, 'graph-reports': { intervalCap: 50, intervalMs: 1000 } } },
        organisations: [
          {
            id: 'acme',
            name: 'Acme',
            connectors: [
              m365ConfigBlock(double, { id: 'm365-main', secretEnv: SECRET_ENV }),
            ],
          },
        ],
      }),
    );
    return { double, config, env: { [SECRET_ENV]: double.clientSecret } };
  }

  it('check reports every permission and the licence OK on a fully granted tenant', async () => {
    const { double, config, env } = await setup('healthy');
    try {
      const res = await runCli(['check', '-c', config], { env, cwd: dir });
      expect(res.code, res.stderr).toBe(0);
      for (const p of ['credentials', 'User.Read.All', 'AuditLog.Read.All', 'RoleManagement.Read.Directory', 'Application.Read.All', 'Directory.Read.All', 'Microsoft Entra ID P1 or P2']) {
        expect(res.stdout).toMatch(new RegExp(`^${p.replace(/\./g, '\\.')}\\s+(required|optional)\\s+OK`, 'm'));
      }
      expect(res.stdout).not.toContain(double.clientSecret);
    } finally {
      await double.close();
    }
  });

  it('check names the missing permission and exits 4', async () => {
    const { double, config, env } = await setup('denied', { deniedPermissions: ['AuditLog.Read.All'] });
    try {
      const res = await runCli(['check', '-c', config, '--json'], { env, cwd: dir });
      expect(res.code).toBe(4);
      const [report] = JSON.parse(res.stdout) as { items: { name: string; status: string; detail: string }[] }[];
      const audit = report!.items.find((i) => i.name === 'AuditLog.Read.All')!;
      expect(audit.status).toBe('failed');
      expect(audit.detail).toMatch(/grant/);
    } finally {
      await double.close();
    }
  });

  it('check says the credentials were refused when the secret is wrong, without printing it', async () => {
    const { double, config } = await setup('wrong-secret');
    try {
      const wrong = 'definitely-not-the-secret-123';
      const res = await runCli(['check', '-c', config], { env: { [SECRET_ENV]: wrong }, cwd: dir });
      expect(res.code).toBe(4);
      expect(res.stdout).toMatch(/^credentials\s+required\s+FAILED\s+could not get a token/m);
      expect(res.stdout + res.stderr).not.toContain(wrong);
    } finally {
      await double.close();
    }
  });

  it('a missing secret is one line naming the key path, exit 2, before anything is collected', async () => {
    const { double, config } = await setup('no-secret');
    try {
      const res = await runCli(['collect', '-c', config], { env: {}, cwd: dir });
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toEqual([
        'evidentia: organisations[0].connectors[0].auth.secret: environment variable E2E_M365_SECRET is not set; export it before running',
      ]);
      expect(double.requests).toEqual([]);
      const runs = await runCli(['runs', '-c', config, '--json'], { cwd: dir });
      expect(JSON.parse(runs.stdout)).toEqual([]);
    } finally {
      await double.close();
    }
  });

  it('a collector killed with SIGKILL leaves a run that the next command marks interrupted, and verify passes', async () => {
    const { double, config, env } = await setup('sigkill', { latencyMs: 300, pageSizeCap: 5 }, 60);
    try {
      const bin = fileURLToPath(new URL('../../bin/evidentia.js', import.meta.url));
      const child = spawn(process.execPath, [bin, 'collect', '-c', config], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
      await pagesArriving(double);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('close', resolve));
      const runs = await runCli(['runs', '-c', config, '--json'], { cwd: dir });
      const [run] = JSON.parse(runs.stdout) as { status: string; pageCount: number }[];
      expect(run!.status).toBe('interrupted');
      expect(run!.pageCount).toBeGreaterThan(0);
      expect((await runCli(['verify', '-c', config], { cwd: dir })).code).toBe(0);
    } finally {
      await double.close();
    }
  }, 60_000);

  it('read-only commands refuse a store that does not exist instead of creating an empty one', async () => {
    const config = join(dir, 'typo.yaml');
    await writeFile(config, stringify({ store: { path: 'no-such.db' }, organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm', tenantId: '00000000-0000-0000-0000-000000000000', clientId: '00000000-0000-0000-0000-000000000000', auth: { method: 'client_secret', secret: { env: 'X' } } }] }] }));
    const res = await runCli(['verify', '-c', config], { cwd: dir });
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/no evidence store at .*no-such\.db/);
  });

  it('collect stores a complete run and exits 3 because rules fail; results and verify agree', async () => {
    const { double, config, env } = await setup('collect');
    try {
      const res = await runCli(['collect', '-c', config], { env, cwd: dir });
      expect(res.code, res.stderr).toBe(3);
      expect(res.stderr).toMatch(/Run 1 complete/);
      expect(res.stdout).toMatch(/mfa-coverage\s+A\.5\.17 A\.8\.5\s+FAIL/);
      expect(double.requests.filter((r) => r.path.startsWith('/v1.0/')).every((r) => r.hadBearer)).toBe(true);
      const verify = await runCli(['verify', '-c', config], { cwd: dir });
      expect(verify.code).toBe(0);
    } finally {
      await double.close();
    }
  });

  it('SIGINT mid-collection keeps what was read, marks the run interrupted, exits 130; the next run succeeds', async () => {
    const { double, config, env } = await setup('interrupt', { latencyMs: 400, pageSizeCap: 5 }, 60);
    try {
      const bin = fileURLToPath(new URL('../../bin/evidentia.js', import.meta.url));
      const child = spawn(process.execPath, [bin, 'collect', '-c', config], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // Wait until pages are arriving, then interrupt.
      await pagesArriving(double);
      child.kill('SIGINT');
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      expect(code, stderr).toBe(130);
      const runs = await runCli(['runs', '-c', config, '--json'], { cwd: dir });
      const [run] = JSON.parse(runs.stdout) as { id: number; status: string; pageCount: number }[];
      expect(run!.status).toBe('interrupted');
      double.setQuirks({ latencyMs: 0 });
      const again = await runCli(['collect', '-c', config], { env, cwd: dir });
      expect(again.stderr).toMatch(/Run 2 complete/);
      expect((await runCli(['verify', '-c', config], { cwd: dir })).code).toBe(0);
    } finally {
      await double.close();
    }
  }, 60_000);
});
