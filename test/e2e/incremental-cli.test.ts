import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateDoubleTls, generateTenant, m365ConfigBlock, startGraphDouble, type GraphDouble } from '../../fixtures/m365/index.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * `evidentia collect --incremental` as a user runs it: the real bin, a YAML config, the local Graph
 * double. The first run falls back to a full read; the second reads only Graph delta for users; the
 * stored runs say which mode they were, and `verify` passes.
 */
describe('collect --incremental', () => {
  let dir: string;
  let double: GraphDouble;
  let config: string;
  let env: Record<string, string>;
  const SECRET_ENV = 'E2E_M365_SECRET';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-incremental-'));
    const tenant = generateTenant({ users: 40 });
    double = await startGraphDouble({ tenant, tls: await generateDoubleTls() });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, double.ca);
    config = join(dir, 'evidentia.yaml');
    await writeFile(
      config,
      stringify({
        store: { path: 'evidence.db' },
        http: { caFile, pacing: { 'graph-signin': { intervalCap: 50, intervalMs: 1000 }, 'graph-reports': { intervalCap: 50, intervalMs: 1000 } } },
        organisations: [{ id: 'acme', name: 'Acme', connectors: [m365ConfigBlock(double, { id: 'm365-main', secretEnv: SECRET_ENV })] }],
      }),
    );
    env = { [SECRET_ENV]: double.clientSecret };
  });
  afterAll(async () => {
    await double?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('falls back to a full read first, then reads only the changes, and the runs say so', async () => {
    const first = await runCli(['collect', '--incremental', '-c', config], { env, cwd: dir });
    expect([0, 3], first.stderr).toContain(first.code);
    const fullUserCalls = double.requests.filter((r) => r.path === '/v1.0/users').length;
    expect(fullUserCalls).toBeGreaterThan(0);

    double.users.update(double.tenant.user(30).id, { accountEnabled: false });
    const second = await runCli(['collect', '--incremental', '-c', config], { env, cwd: dir });
    expect([0, 3], second.stderr).toContain(second.code);
    expect(double.requests.filter((r) => r.path === '/v1.0/users').length).toBe(fullUserCalls);

    const runs = JSON.parse((await runCli(['runs', '--json', '-c', config], { env, cwd: dir })).stdout) as Array<{ id: number; mode: string; status: string }>;
    expect(runs.map((r) => r.mode)).toEqual(['incremental', 'incremental']);
    const verify = await runCli(['verify', '-c', config], { env, cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 120_000);
});
