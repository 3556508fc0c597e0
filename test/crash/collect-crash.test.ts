import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateDoubleTls, generateTenant, m365ConfigBlock, startGraphDouble, type GraphDouble } from '../../fixtures/m365/index.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { RunRecord } from '../../src/store/evidence-store.ts';
import { runCli } from '../support/run-cli.ts';

/**
 * SIGKILL at many points of a real `evidentia collect` (collection, sealing, evaluation), each in
 * the middle of a SQLite transaction (test/crash/crash-hook.ts). After every kill: the database
 * opens, `verify` passes, the killed run is marked interrupted and never sealed (or, killed while
 * evaluating, sealed without results, which are never half-stored), earlier runs' manifests are
 * unchanged, and the next run succeeds. `npm test` kills at a sample of points; `npm run
 * test:stress` (EVIDENTIA_STRESS=1) at every page, entity batch and outcome of a run.
 */
const BIN = fileURLToPath(new URL('../../bin/evidentia.js', import.meta.url));
const HOOK = new URL('./crash-hook.ts', import.meta.url).href;
// Absolute, because the child runs in a temp folder that has no node_modules.
const TSX = import.meta.resolve('tsx');
const SECRET_ENV = 'CRASH_M365_SECRET';
const EXHAUSTIVE = process.env.EVIDENTIA_STRESS === '1';

let dir: string;
let double: GraphDouble;
let config: string;
let dbPath: string;
let healthyPages = 0;
const env = () => ({ [SECRET_ENV]: double.clientSecret });

function killAt(point: string): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, '--import', HOOK, BIN, 'collect', '-c', config], {
      cwd: dir,
      env: { ...process.env, EVIDENTIA_CONFIG: '', ...env(), EVIDENTIA_TEST_CRASH_AT: point },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function sealedManifests(): Promise<Map<number, string>> {
  const store = await openSqliteStore(dbPath, { mustExist: true });
  try {
    return new Map((await store.listRuns({ limit: 10_000 })).filter((r) => r.manifestHash).map((r) => [r.id, r.manifestHash!]));
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evidentia-crash-'));
  double = await startGraphDouble({ tenant: generateTenant({ users: 40, seed: 11 }), quirks: { pageSizeCap: 10 }, tls: await generateDoubleTls() });
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, double.ca);
  config = join(dir, 'crash.yaml');
  dbPath = join(dir, 'crash.db');
  await writeFile(
    config,
    stringify({
      store: { path: 'crash.db' },
      http: { caFile, pacing: { 'graph-signin': { intervalCap: 50, intervalMs: 1000 }, 'graph-reports': { intervalCap: 50, intervalMs: 1000 } } },
      organisations: [{ id: 'acme', name: 'Acme', connectors: [m365ConfigBlock(double, { id: 'm365-main', secretEnv: SECRET_ENV })] }],
    }),
  );
  const first = await runCli(['collect', '-c', config], { cwd: dir, env: env() });
  expect(first.code, first.stderr).toBe(3); // complete, and the demo tenant fails rules
  const store = await openSqliteStore(dbPath, { mustExist: true });
  healthyPages = (await store.getRun(1))!.pageCount;
  await store.close();
}, 60_000);

afterAll(async () => {
  await double?.close();
  await rm(dir, { recursive: true, force: true });
});

const SAMPLED = ['page:4', 'entities:3', 'seal:1', 'evaluation:1'];

function points(): string[] {
  if (!EXHAUSTIVE) return SAMPLED;
  // Every page body, page row, entity batch and outcome of a healthy run, then the seal and the evaluation.
  const n = 12; // at least the healthy run's page count for this tenant (checked below)
  const range = (p: string, k: number) => Array.from({ length: k }, (_, i) => `${p}:${i + 1}`);
  return [...range('blob', n), ...range('page', n), ...range('entities', n), ...range('outcome', 7), 'seal:1', 'evaluation:1'];
}

describe('SIGKILL during collection, sealing and evaluation', () => {
  it('the sampled points exist in a healthy run', () => {
    expect(healthyPages).toBeGreaterThanOrEqual(4);
    if (EXHAUSTIVE) expect(healthyPages).toBeGreaterThanOrEqual(12);
  });

  for (const point of points()) {
    it(`killed at ${point}: the store opens, verify passes, the run is not evidence, earlier runs are untouched`, async () => {
      const before = await sealedManifests();
      const killed = await killAt(point);
      expect(killed.signal, `the child was not killed (exit ${killed.code}): ${killed.stderr.slice(-500)}`).toBe('SIGKILL');
      expect(killed.stderr).toContain(`crash-hook: SIGKILL at ${point}`);

      const store = await openSqliteStore(dbPath, { mustExist: true });
      let crashed: RunRecord;
      try {
        const abandoned = await store.markAbandonedRuns();
        const runs = await store.listRuns({ limit: 10_000 });
        crashed = runs.reduce((a, b) => (a.id > b.id ? a : b));
        const report = await store.verify();
        expect(report.ok, report.message).toBe(true);
        if (point.startsWith('evaluation')) {
          // Collected and sealed before evaluation: valid evidence, but no results were stored.
          expect(abandoned).toEqual([]);
          expect(crashed.manifestHash).not.toBeNull();
          expect(await store.latestEvaluation(crashed.id)).toBeNull();
          expect((await store.latestEvaluatedRun('acme'))!.id).toBeLessThan(crashed.id);
        } else {
          expect(abandoned).toEqual([crashed.id]);
          expect(crashed.status).toBe('interrupted');
          expect(crashed.manifestHash).toBeNull();
          expect(await store.latestEvaluation(crashed.id)).toBeNull();
        }
        // No sealed run changed or vanished.
        const after = new Map((runs.filter((r) => r.manifestHash) as RunRecord[]).map((r) => [r.id, r.manifestHash!]));
        for (const [id, hash] of before) expect(after.get(id), `run ${id}`).toBe(hash);
      } finally {
        await store.close();
      }
    }, 60_000);
  }

  it('after all the kills, the next run succeeds and verify passes', async () => {
    const next = await runCli(['collect', '-c', config], { cwd: dir, env: env() });
    expect(next.code, next.stderr).toBe(3);
    expect(next.stderr).toMatch(/Run \d+ complete/);
    const verify = await runCli(['verify', '-c', config], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
  }, 60_000);
});
