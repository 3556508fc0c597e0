import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startDemoTenant, type DemoTenant } from '../../fixtures/demo/demo-tenant.ts';
import { runCli } from '../support/run-cli.ts';
import { until } from '../support/until.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { RunRecord, VerifyReport } from '../../src/store/evidence-store.ts';

const BIN = fileURLToPath(new URL('../../bin/evidentia.js', import.meta.url));

interface Daemon {
  child: ChildProcess;
  url: Promise<string>;
  exited: Promise<number>;
  stderr: () => string;
}

/** Spawns `evidentia daemon` as systemd would; `url` resolves from the line it prints when ready. */
function spawnDaemon(config: string, cwd: string, env: Record<string, string>): Daemon {
  const child = spawn(process.execPath, [BIN, 'daemon', '-c', config], { cwd, env: { ...process.env, EVIDENTIA_CONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /health and metrics at (http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('close', () => reject(new Error(`daemon exited before it was ready: ${stderr}`)));
  });
  url.catch(() => {});
  const exited = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { child, url, exited, stderr: () => stderr };
}

/** Reads the store in-process (as another process would): quicker than spawning `runs` and `verify`. */
async function inspect(path: string): Promise<{ runs: RunRecord[]; verify: VerifyReport }> {
  const store = await openSqliteStore(path, { mustExist: true });
  try {
    return { runs: await store.listRuns(), verify: await store.verify() };
  } finally {
    await store.close();
  }
}

interface Health {
  status: string;
  organisations: Array<{ org: string; running: boolean; lastSuccessfulRun: { id: number; status: string } | null; connectors: Array<{ instance: string; lastStatus: string }> }>;
}

describe('evidentia daemon on the demo tenant', () => {
  let dir: string;
  let demo: DemoTenant;
  let config: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-daemon-'));
    // Slow Graph pages so the first run is still going when SIGTERM comes.
    demo = await startDemoTenant({ users: 60, now: new Date(), dir, graphQuirks: { latencyMs: 400, pageSizeCap: 5 } });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, demo.ca);
    config = join(dir, 'daemon.yaml');
    await writeFile(
      config,
      stringify({
        store: { path: 'daemon.db' },
        http: { caFile, pacing: { 'graph-signin': { intervalCap: 100, intervalMs: 1000 }, 'graph-reports': { intervalCap: 100, intervalMs: 1000 } } },
        // A slot that cannot come while the test runs (the default every-4-hours one could, and would
        // start a third run): only the catch-up logic starts runs here.
        daemon: { schedule: '0 0 1 1 *', jitterSeconds: 0, http: { port: 0 } },
        retention: { rawPagesDays: 30 },
        organisations: [demo.organisation],
      }),
    );
    env = demo.env;
  });
  afterAll(async () => {
    await demo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('SIGTERM mid-run stores what was read, marks the run interrupted, exits 130; a restart runs the owed slot to completion', async () => {
    const first = spawnDaemon(config, dir, env);
    const url = await first.url;
    // No run stored yet, so the daemon collects at once; wait until pages are arriving.
    await until('pages to arrive', async () => (demo.graph.requests.filter((r) => r.path === '/v1.0/users').length >= 2 ? true : null));
    const during = (await (await fetch(`${url}/healthz`)).json()) as Health;
    expect(during.organisations[0]).toMatchObject({ org: 'contoso', running: true, lastSuccessfulRun: null });
    first.child.kill('SIGTERM');
    expect(await first.exited, first.stderr()).toBe(130);
    expect(first.stderr()).toMatch(/stopped; the run in flight \(if any\) is stored and marked interrupted/);

    const { runs, verify } = await inspect(join(dir, 'daemon.db'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'interrupted', trigger: 'schedule' });
    expect(runs[0]!.pageCount).toBeGreaterThan(0);
    expect(verify.ok, verify.message).toBe(true);

    // An interrupted run is not evidence: its slot is still owed, so the restarted daemon runs it now.
    demo.graph.setQuirks({ latencyMs: 0, pageSizeCap: undefined });
    const second = spawnDaemon(config, dir, env);
    const url2 = await second.url;
    const health = await until('a successful run', async () => {
      const h = (await (await fetch(`${url2}/healthz`)).json()) as Health;
      return h.organisations[0]!.lastSuccessfulRun ? h : null;
    });
    expect(health.organisations[0]!.lastSuccessfulRun).toMatchObject({ id: 2, status: 'complete' });
    const metrics = await (await fetch(`${url2}/metrics`)).text();
    expect(metrics).toContain('evidentia_runs_total{org="contoso",status="complete"} 1');
    for (const connector of ['m365-demo', 'google-demo', 'aws-demo']) expect(metrics).toMatch(new RegExp(`evidentia_api_calls_total\\{org="contoso",connector="${connector}",family="[a-z-]+"\\} [1-9]`));
    expect(health.organisations[0]!.connectors.map((c) => c.instance)).toEqual(['m365-demo', 'google-demo', 'hr-roster', 'aws-demo']);
    for (const secret of Object.values(env).filter((v) => v.length > 8)) expect(metrics + JSON.stringify(health)).not.toContain(secret);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(130);

    const after = await inspect(join(dir, 'daemon.db'));
    expect(after.runs.map((r) => r.status)).toEqual(['complete', 'interrupted']);
    expect(after.verify.ok, after.verify.message).toBe(true);

    // `prune` with the configured 30 days: every run is recent, so nothing goes.
    const kept = await runCli(['prune', '-c', config, '--json'], { cwd: dir });
    expect(kept.code, kept.stderr).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({ blobsPruned: 0, bytesFreed: 0 });

    // Retention at its most extreme: every raw body pruned. The evidence still verifies, and the
    // run re-evaluates offline to the same results (rules read entities, never raw bodies).
    const store = await openSqliteStore(join(dir, 'daemon.db'), { mustExist: true });
    const pruned = await store.prune({ olderThan: new Date(Date.now() + 86_400_000) });
    await store.close();
    expect(pruned.blobsPruned).toBeGreaterThan(0);
    const verified = await runCli(['verify', '-c', config], { cwd: dir });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/page\(s\) pruned by retention/);
    const evaluate = await runCli(['evaluate', '-c', config, '--run', '2', '--json'], { cwd: dir });
    expect(JSON.parse(evaluate.stdout)).toMatchObject({ runId: 2, identicalToPrevious: true });
  }, 90_000);

  it('prune without a raw-page retention setting or --days keeps the bodies and says how to prune them; alert history is pruned by its default', async () => {
    const bare = join(dir, 'bare.yaml');
    await writeFile(bare, stringify({ store: { path: 'daemon.db' }, organisations: [{ id: 'contoso', name: 'Acme', connectors: [{ type: 'hr-csv', id: 'hr', file: 'x.csv' }] }] }));
    const kept = await runCli(['prune', '-c', bare], { cwd: dir });
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('Raw page bodies kept: no retention configured for them; set retention.rawPagesDays in the config or pass --days N.');
    expect(kept.stdout).toMatch(/^Pruned 0 alert deliveries \(0 attempts\) delivered, given up or superseded before \S+, and 0 alert findings resolved before then/m);
  });
});
